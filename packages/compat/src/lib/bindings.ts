import { hkdfSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fernetDecrypt } from "./fernet.js";

/** Recipient bindings and extra recipient keys the legacy directory itself records. @internal */
export interface DirectoryBindings {
  /** Recipient id → the (lower-cased) accounts the directory binds it to. */
  readonly bindings: Map<string, Set<string>>;
  /** `sub` of every account whose OAuth identity the directory records (`.oauth_linkage_prefs.json`). */
  readonly oauthSubs: ReadonlyMap<string, string>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch {
    return undefined;
  }
}

/** Adds `account` to the accounts bound to recipient `id`. @internal */
export function addBinding(bindings: Map<string, Set<string>>, id: string, account: string): void {
  const set = bindings.get(id) ?? new Set<string>();
  set.add(account.trim().toLowerCase());
  bindings.set(id, set);
}

/** The legacy linkage-preferences key: Fernet key = HKDF(stripped server secret) with fixed salt and info. */
function linkageKey(serverSecret: Buffer): Buffer {
  const trimmed = Buffer.from(serverSecret.toString("latin1").trim(), "latin1");
  return Buffer.from(
    hkdfSync(
      "sha256",
      trimmed,
      Buffer.from("oauth-linkage-prefs-salt-v1"),
      Buffer.from("oauth-linkage-prefs-encryption-v1"),
      32,
    ),
  );
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Reads what the legacy directory says about who holds which key: `.user_api_keys.json` (SHA-256 of a
 * per-user key → `email` or `{ email, created_at }`; the hash is the recipient id of that key in
 * envelopes) and `.oauth_linkage_prefs.json` (email → `{ google_sub, has_password, enabled }`, Fernet-
 * encrypted under a key derived from `.auth_encryption_key`, or plaintext in older releases). Unreadable
 * files give no evidence (the legacy server treated them the same way).
 * @internal
 */
export async function readDirectoryBindings(
  dir: string,
  serverSecret: Buffer | undefined,
): Promise<DirectoryBindings> {
  const bindings = new Map<string, Set<string>>();
  const registry = await readOptional(join(dir, ".user_api_keys.json"));
  const parsed = registry === undefined ? undefined : parseJson(registry);
  if (isObject(parsed)) {
    for (const [hash, entry] of Object.entries(parsed)) {
      const email = typeof entry === "string" ? entry : isObject(entry) ? entry.email : undefined;
      if (/^[0-9a-f]{64}$/.test(hash) && typeof email === "string" && email.includes("@")) {
        addBinding(bindings, hash, email);
      }
    }
  }
  const oauthSubs = new Map<string, string>();
  const prefsBytes = await readOptional(join(dir, ".oauth_linkage_prefs.json"));
  if (prefsBytes !== undefined) {
    let prefs = parseJson(prefsBytes);
    if (prefs === undefined && serverSecret !== undefined) {
      const opened = fernetDecrypt(linkageKey(serverSecret), prefsBytes.toString("latin1").trim());
      if (opened.ok) prefs = parseJson(opened.plaintext);
    }
    if (isObject(prefs)) {
      for (const [email, entry] of Object.entries(prefs)) {
        if (isObject(entry) && typeof entry.google_sub === "string" && entry.google_sub !== "") {
          oauthSubs.set(email.trim().toLowerCase(), entry.google_sub);
        }
      }
    }
  }
  return { bindings, oauthSubs };
}
