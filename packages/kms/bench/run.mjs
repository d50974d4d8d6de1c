// Benchmark for @credstack/kms: sealing and opening 10 000 records under kmsCipher vs aesGcmCipher (the
// baseline, measured in the same run), with the KMS calls made. KMS is moto's emulator on loopback (or
// CREDSTACK_TEST_KMS_ENDPOINT), through the real @aws-sdk/client-kms. Run with `pnpm bench`.
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { aesGcmCipher, bindingOf, generateKey } from "@credstack/storage";
import { startMoto } from "@credstack/test-services";
import { absoluteTarget, writeResults } from "../../../scripts/bench-results.mjs";
import { kmsCipher } from "../dist/index.js";

const moto = process.env.CREDSTACK_TEST_KMS_ENDPOINT ? undefined : await startMoto();
const endpoint = process.env.CREDSTACK_TEST_KMS_ENDPOINT ?? moto.endpoint;
const client = new KMSClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  maxAttempts: 1,
});
try {
  const created = await client.send(
    new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" }),
  );
  const keyId = created.KeyMetadata.Arn;
  const secrets = Buffer.from(
    JSON.stringify({ accessToken: `ya29.${"a".repeat(180)}`, refreshToken: `1//${"r".repeat(100)}` }),
  );

  /** Seals then opens `count` records spread over `accounts` accounts; returns ops/s of each phase. */
  async function run(cipher, count, accounts) {
    const aads = Array.from({ length: accounts }, (_, i) =>
      bindingOf({ provider: "google", account: `user${i}@x.com` }),
    );
    const sealed = new Array(count);
    let start = performance.now();
    for (let i = 0; i < count; i++) sealed[i] = await cipher.encrypt(secrets, aads[i % accounts]);
    const sealMs = performance.now() - start;
    start = performance.now();
    for (let i = 0; i < count; i++) await cipher.decrypt(sealed[i], aads[i % accounts]);
    const openMs = performance.now() - start;
    return { seal: (count / sealMs) * 1000, open: (count / openMs) * 1000 };
  }

  const rows = [];
  for (const [label, count, accounts] of [
    ["10 000 seals over 10 accounts (steady refresh traffic)", 10_000, 10],
    ["1 000 seals over 1 000 accounts (bulk migration)", 1_000, 1_000],
  ]) {
    const aes = await run(aesGcmCipher({ keyRing: { active: generateKey() } }), count, accounts);
    const sealer = kmsCipher({ client, keyId });
    const kms = await run(sealer, count, accounts);
    rows.push({ label, aes, kms, calls: sealer.calls });
  }

  // Concurrent cache misses: 1000 seals at once for one binding, then 1000 opens at once by a cold cipher.
  const burstAad = bindingOf({ provider: "google", account: "burst@x.com" });
  const burstSealer = kmsCipher({ client, keyId });
  let start = performance.now();
  const burst = await Promise.all(Array.from({ length: 1000 }, () => burstSealer.encrypt(secrets, burstAad)));
  const burstSealMs = performance.now() - start;
  const burstOpener = kmsCipher({ client, keyId });
  start = performance.now();
  await Promise.all(burst.map((blob) => burstOpener.decrypt(blob, burstAad)));
  const burstOpenMs = performance.now() - start;

  const n = (x) => Math.round(x).toLocaleString("en");
  console.log("\n@credstack/kms: kmsCipher vs aesGcmCipher (baseline), same run, KMS = moto on loopback\n");
  console.log(
    "| workload | aesGcm seal/s | kms seal/s | aesGcm open/s | kms open/s | GenerateDataKey | Decrypt |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const { label, aes, kms, calls } of rows) {
    console.log(
      `| ${label} | ${n(aes.seal)} | ${n(kms.seal)} | ${n(aes.open)} | ${n(kms.open)} | ${calls.generateDataKey} | ${calls.decrypt} |`,
    );
  }
  console.log(
    `| 1 000 concurrent seals, one binding (cold) | — | ${n((1000 / burstSealMs) * 1000)} | — | — | ${burstSealer.calls.generateDataKey} | — |`,
  );
  console.log(
    `| 1 000 concurrent opens of one data key (cold) | — | — | — | ${n((1000 / burstOpenMs) * 1000)} | — | ${burstOpener.calls.decrypt} |`,
  );
  writeResults("kms", [
    absoluteTarget(
      "1000 concurrent cold seals → GenerateDataKey calls",
      String(burstSealer.calls.generateDataKey),
      "1",
      burstSealer.calls.generateDataKey === 1,
    ),
    absoluteTarget(
      "1000 concurrent cold opens → Decrypt calls",
      String(burstOpener.calls.decrypt),
      "1",
      burstOpener.calls.decrypt === 1,
    ),
  ]);
  console.log(
    "\nTargets: at most one GenerateDataKey per binding per cache lifetime or per maxRecordsPerKey (1000) seals, " +
      "and at most one Decrypt per distinct data key while cached. The encryption context binds each data key to " +
      "one account, so distinct accounts need distinct data keys.",
  );
} finally {
  client.destroy();
  await moto?.stop();
}
