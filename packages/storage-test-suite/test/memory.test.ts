import { aesGcmCipher, cipherRing, generateKey, memoryStore, withBackup } from "@credstack/storage";
import { aesGcmCipherSet, cipherConformance, storeConformance } from "../src/index.js";

// The reference store and cipher pass their own suite here (in the suite's package, to avoid a cycle).
storeConformance(
  "memoryStore",
  {
    open: async () => memoryStore(),
  },
  { encrypted: false },
);

storeConformance(
  "withBackup(memoryStore(), memoryStore())",
  {
    open: async () => withBackup(memoryStore(), memoryStore()),
  },
  { encrypted: false },
);

cipherConformance("aesGcmCipher", aesGcmCipherSet);

cipherConformance("aesGcmCipher with an unknown key id", async () => {
  const set = await aesGcmCipherSet();
  return { ...set, wrong: aesGcmCipher({ keyRing: { active: generateKey() } }) };
});

cipherConformance("cipherRing (AES-GCM key A → key B)", async () => {
  const set = await aesGcmCipherSet();
  return {
    ...set,
    rotated: cipherRing({
      active: aesGcmCipher({ keyRing: { active: generateKey() } }),
      previous: [set.current],
    }),
  };
});
