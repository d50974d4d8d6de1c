import { createHash, hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InvalidArgumentError } from "@credstack/storage";
import { addBinding, readDirectoryBindings } from "./bindings.js";
import { fernetKeyFromText } from "./fernet.js";

/** An OAuth-identity recipient of a per-user envelope: the Google account id and its linkage password. */
export interface LegacyOAuthIdentity {
  /** Google's immutable account id (the `sub` claim). */
  readonly sub: string;
  /** The linkage passphrase the user set, if any. @default "" */
  readonly password?: string;
  /**
   * The account this identity signed in as. Binds the identity's recipient ids to that account (evidence
   * of the same strength as `.user_api_keys.json`); without it the identity only decrypts.
   */
  readonly account?: string;
}

/** The keys that open a legacy directory (all optional; supply what the legacy server had). */
export interface LegacyKeys {
  /**
   * The legacy `.auth_encryption_key` file: the server Fernet key when `MCP_API_KEY` was not set, and in
   * every case the HMAC key of v2 envelopes and the HKDF salt of per-user keys.
   * @default "<dir>/.auth_encryption_key"
   */
  readonly encryptionKeyFile?: string;
  /**
   * The legacy `MCP_API_KEY`. When set, the legacy server keyed Fernet with HKDF-SHA256 of it (salt
   * `mcp-google-workspace-v1`, info `credential-encryption`), and fell back to `.auth_encryption_key`.
   */
  readonly mcpApiKey?: string;
  /** An explicit base64url Fernet key (the legacy `encryption_key` constructor argument). */
  readonly encryptionKey?: string;
  /** Per-user API keys (the bearer tokens the legacy server showed once); open per-user envelopes. */
  readonly userKeys?: readonly string[];
  /**
   * Per-user API keys by the account they belong to (`{ "bob@example.com": "<key>" }`): they open
   * per-user envelopes like `userKeys`, and bind their recipient ids to that account.
   */
  readonly userKeysByAccount?: Readonly<Record<string, string>>;
  /** OAuth-identity recipients of per-user envelopes. */
  readonly oauthIdentities?: readonly LegacyOAuthIdentity[];
}

/** Keys ready for use. @internal */
export interface ResolvedLegacyKeys {
  /** Server Fernet keys, in the order the legacy server tried them. */
  readonly server: readonly Buffer[];
  /** The raw bytes of `.auth_encryption_key`, if present. */
  readonly serverSecret: Buffer | undefined;
  /** Per-user recipient key strings (user keys, then derived OAuth-identity keys). */
  readonly recipients: readonly string[];
  /** Recipient id → the (lower-cased) accounts the supplied keys bind it to. */
  readonly bindings: ReadonlyMap<string, ReadonlySet<string>>;
}

const hkdf = (ikm: Buffer, salt: Buffer, info: string): Buffer =>
  Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from(info), 32));

/** The legacy `_derive_fernet_key(MCP_API_KEY)`. @internal */
export function fernetKeyFromApiKey(apiKey: string): Buffer {
  return hkdf(Buffer.from(apiKey, "utf8"), Buffer.from("mcp-google-workspace-v1"), "credential-encryption");
}

/** The legacy `derive_per_user_fernet_key(key)`: HKDF with the server secret as salt. @internal */
export function perUserFernetKey(userKey: string, serverSecret: Buffer): Buffer {
  return hkdf(Buffer.from(userKey, "utf8"), serverSecret, "per-user-credential-encryption-v1");
}

/** The legacy recipient id of a per-user key: SHA-256 hex of the key. @internal */
export function recipientId(userKey: string): string {
  return createHash("sha256").update(userKey, "utf8").digest("hex");
}

/** The legacy `_derive_oauth_recipient_key(sub, password)`. @internal */
export function oauthRecipientKey(serverSecret: Buffer, identity: LegacyOAuthIdentity): string {
  const parts = [serverSecret, Buffer.from(`:oauth-identity-recipient-v2:${identity.sub}`, "utf8")];
  if (identity.password) parts.push(Buffer.from(`:${identity.password}`, "utf8"));
  return createHash("sha256").update(Buffer.concat(parts)).digest("hex");
}

/** Loads and derives the keys of a legacy directory. @internal */
export async function resolveLegacyKeys(dir: string, keys: LegacyKeys = {}): Promise<ResolvedLegacyKeys> {
  const server: Buffer[] = [];
  if (keys.encryptionKey !== undefined) {
    const key = fernetKeyFromText(keys.encryptionKey);
    if (key === undefined)
      throw new InvalidArgumentError("keys.encryptionKey must be a base64url Fernet key (32 bytes).");
    server.push(key);
  }
  if (keys.mcpApiKey !== undefined && keys.mcpApiKey !== "") server.push(fernetKeyFromApiKey(keys.mcpApiKey));
  let serverSecret: Buffer | undefined;
  try {
    serverSecret = await readFile(keys.encryptionKeyFile ?? join(dir, ".auth_encryption_key"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT" || keys.encryptionKeyFile !== undefined) {
      throw new InvalidArgumentError("The legacy .auth_encryption_key file cannot be read.", {
        cause: error,
      });
    }
  }
  if (serverSecret !== undefined) {
    const fileKey = fernetKeyFromText(serverSecret.toString("latin1"));
    if (fileKey !== undefined) server.push(fileKey);
  }
  const recipients = [...(keys.userKeys ?? [])];
  const directory = await readDirectoryBindings(dir, serverSecret);
  const bindings = directory.bindings;
  const bind = (key: string, account: string | undefined) => {
    if (account !== undefined) addBinding(bindings, recipientId(key), account);
  };
  for (const [account, key] of Object.entries(keys.userKeysByAccount ?? {})) {
    if (typeof key !== "string" || key.length === 0) {
      throw new InvalidArgumentError("keys.userKeysByAccount: every value must be a non-empty key.");
    }
    recipients.push(key);
    bind(key, account);
  }
  if (serverSecret !== undefined) {
    for (const identity of keys.oauthIdentities ?? []) {
      // The legacy loader tried the password-bound key first, then the one without a password.
      if (identity.password) {
        const withPassword = oauthRecipientKey(serverSecret, identity);
        recipients.push(withPassword);
        bind(withPassword, identity.account);
      }
      const bare = oauthRecipientKey(serverSecret, { sub: identity.sub });
      recipients.push(bare);
      bind(bare, identity.account);
    }
    // The legacy server kept each account's Google `sub`, so it could open password-less OAuth
    // recipients by itself; so can the import, and the sub binds that recipient to its account.
    for (const [account, sub] of directory.oauthSubs) {
      const bare = oauthRecipientKey(serverSecret, { sub });
      recipients.push(bare);
      bind(bare, account);
    }
  }
  return { server, serverSecret, recipients, bindings };
}
