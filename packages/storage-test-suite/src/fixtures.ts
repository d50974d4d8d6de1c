import { randomBytes } from "node:crypto";
import {
  aesGcmCipher,
  type CredentialInput,
  type CredentialKey,
  type CredentialRecord,
  type CredentialStore,
  generateKey,
} from "@credstack/storage";
import type { CipherSet } from "./harness.js";

/** A secret that is easy to find in a dump and unique per call. */
export function seededSecret(label: string): string {
  return `SECRET-${label}-${randomBytes(12).toString("hex")}`;
}

/** A credential with every field set, and the secrets it carries (for scans). */
export function fullCredential(account = "round.trip@example.com"): {
  input: CredentialInput;
  secrets: string[];
} {
  const accessToken = seededSecret("access");
  const refreshToken = seededSecret("refresh");
  const idToken = seededSecret("id");
  const clientSecret = seededSecret("client");
  return {
    input: {
      provider: "google",
      account,
      accessToken,
      refreshToken,
      tokenType: "Bearer",
      expiresAt: 1_900_000_000_123,
      scopes: ["openid", "https://www.googleapis.com/auth/drive.readonly"],
      idToken,
      issuer: "https://accounts.google.com",
      clientId: "client-123.apps.googleusercontent.com",
      metadata: { clientSecret, nested: { list: [1, "two", null, true] }, unicode: "ü€😀" },
    },
    secrets: [accessToken, refreshToken, idToken, clientSecret],
  };
}

/** The default ciphers: AES-256-GCM key rings from fresh random keys. */
export async function aesGcmCipherSet(): Promise<CipherSet> {
  const keyA = generateKey();
  const keyB = generateKey();
  return {
    current: aesGcmCipher({ keyRing: { active: keyA } }),
    rotated: aesGcmCipher({ keyRing: { active: keyB, previous: [keyA] } }),
    wrong: aesGcmCipher({ keyRing: { active: generateKey(keyA.id) } }),
  };
}

/** Encodings a careless store might keep a secret in: raw UTF-8, base64, base64url, hex. */
export function encodingsOf(secret: string): Buffer[] {
  const bytes = Buffer.from(secret, "utf8");
  return [
    bytes,
    Buffer.from(bytes.toString("base64")),
    Buffer.from(bytes.toString("base64url")),
    Buffer.from(bytes.toString("hex")),
  ];
}

/** Accounts that broke the legacy system's file names and paths. */
export const hostileAccounts: readonly string[] = [
  "a.b@x.com",
  "a_b@x.com",
  "a_at_b@x.com",
  "a@b_x.com",
  "../../etc/passwd",
  "..",
  "/absolute/path",
  "C:\\windows\\system32",
  "nul\u0000byte@x.com",
  "nul\u0000",
  "emoji-😀@x.com",
  "emoji-😁@x.com",
  "ﬀ@x.com",
  "line\nbreak@x.com",
  "percent%2e%2e@x.com",
  "space in name@x.com",
  "x".repeat(10_240),
  `${"x".repeat(10_239)}y`,
];

/** A running {@link startRefreshLoop}. */
export interface RefreshLoop {
  /** Stops the loop (after at least one write) and returns how many writes it made: the last access token is `w<writes>`. */
  stop(): Promise<number>;
}

/**
 * Starts a "refresh" loop on one existing record, as a resolver does while a migration or re-seal runs:
 * read, write `accessToken: "w<n>"` with compare-and-set on the version read, retry on
 * `ERR_VERSION_CONFLICT`. Any other error fails `stop()`.
 */
export function startRefreshLoop(store: CredentialStore, key: CredentialKey): RefreshLoop {
  let writes = 0;
  let running = true;
  const loop = (async () => {
    while (running || writes === 0) {
      const current = (await store.get(key)) as CredentialRecord;
      try {
        await store.put({ ...current, accessToken: `w${writes + 1}` }, { expectedVersion: current.version });
        writes++;
      } catch (error) {
        if ((error as { code?: string }).code !== "ERR_VERSION_CONFLICT") throw error;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return writes;
    },
  };
}
