import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type AesKey, listKeyFiles, loadKeyFile, loadKeyFromEnv } from "@credstack/storage";
import { sweepTempFiles } from "@credstack/storage-file";
import type { CipherFlags } from "./cipher-options.js";
import { showAccount } from "./format.js";
import type { OpenedStore } from "./open-store.js";

/** One thing `credstack doctor` found. */
export interface Finding {
  /** `problem` makes doctor exit 4; `note` is advice only. */
  readonly severity: "problem" | "note";
  /** A stable id of the check (`permissions`, `key-strength`, `rotated-out-key`, ...). */
  readonly check: string;
  /** What is wrong (never a secret). */
  readonly message: string;
  /** How to fix it. */
  readonly fix: string;
}

const mode = (value: number) => (value & 0o777).toString(8).padStart(3, "0");

/** Permissions of a file: store's directory and everything in it (0700 / 0600). */
export async function checkPermissions(dir: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(dir);
  } catch {
    return [
      {
        severity: "problem",
        check: "store-missing",
        message: `Store directory ${dir} does not exist.`,
        fix: "Create the store by writing to it (credstack import-legacy / migrate --to file:…), or fix the path.",
      },
    ];
  }
  if (process.platform === "win32") return findings;
  if ((info.mode & 0o077) !== 0) {
    findings.push({
      severity: "problem",
      check: "permissions",
      message: `Directory ${dir} has mode ${mode(info.mode)}; it must be 0700.`,
      fix: `chmod 700 ${dir}`,
    });
  }
  if (typeof process.getuid === "function" && info.uid !== process.getuid()) {
    findings.push({
      severity: "problem",
      check: "permissions",
      message: `Directory ${dir} is owned by uid ${info.uid}, not by this user.`,
      fix: `chown the directory to the user that runs credstack`,
    });
  }
  for (const name of await readdir(dir)) {
    const file = await stat(join(dir, name)).catch(() => undefined);
    if (file === undefined || !file.isFile() || (file.mode & 0o077) === 0) continue;
    findings.push({
      severity: "problem",
      check: "permissions",
      message: `${join(dir, name)} has mode ${mode(file.mode)}; it must be 0600.`,
      fix: `chmod 600 ${join(dir, name)}`,
    });
  }
  return findings;
}

/** True for keys a person or a bug made rather than a CSPRNG: few distinct bytes or a run. */
export function isWeakKey(secret: Uint8Array): boolean {
  const distinct = new Set(secret).size;
  let ascending = 0;
  for (let index = 1; index < secret.length; index++) {
    if ((secret[index] as number) === (((secret[index - 1] as number) + 1) & 0xff)) ascending++;
  }
  return distinct < 16 || ascending > 8;
}

/** Key presence (and strength) of the configured keys, or of a file: store's key files. */
export async function checkKeys(dir: string | undefined, flags: CipherFlags): Promise<Finding[]> {
  const findings: Finding[] = [];
  const keys: { what: string; key: AesKey }[] = [];
  const load = async (what: string, read: () => Promise<AesKey> | AesKey) => {
    try {
      keys.push({ what, key: await read() });
    } catch (error) {
      findings.push({
        severity: "problem",
        check: "key",
        message: `${what}: ${(error as Error).message}`,
        fix: "Fix the key (base64 of 32 random bytes, file mode 0600) or point to the right one.",
      });
    }
  };
  if (flags.keyEnv !== undefined) await load(`$${flags.keyEnv}`, () => loadKeyFromEnv(flags.keyEnv));
  for (const path of flags.keyFiles) await load(path, () => loadKeyFile(path));
  if (
    dir !== undefined &&
    flags.keyFiles.length === 0 &&
    flags.keyEnv === undefined &&
    flags.kmsKeyId === undefined
  ) {
    const generations = await listKeyFiles(dir);
    if (generations.length === 0) {
      findings.push({
        severity: "problem",
        check: "key",
        message: `No key file in ${dir} (credstack.key); its records cannot be opened.`,
        fix: "Restore credstack.key from your backup, or pass --key-file where the key lives.",
      });
    }
    for (const entry of generations) await load(entry.path, () => loadKeyFile(entry.path));
  }
  for (const { what, key } of keys) {
    if (isWeakKey(key.secret)) {
      findings.push({
        severity: "problem",
        check: "key-strength",
        message: `${what} (key id ${key.id}) looks hand-made, not random (too few distinct bytes or a counting run).`,
        fix: "Run credstack rotate-key to re-seal every record under a new random key, then retire this one.",
      });
    }
  }
  return findings;
}

const tokenFields = ["access_token", "refresh_token", "accessToken", "refreshToken", "token", "id_token"];

/**
 * Temporary files in a file: store's directory: those of writers that are gone (removed with `fix`;
 * a file store also removes them when it opens) and those of live writers (kept).
 */
export async function checkTempFiles(dir: string, fix: boolean): Promise<Finding[]> {
  let sweep: Awaited<ReturnType<typeof sweepTempFiles>>;
  try {
    sweep = await sweepTempFiles(dir, { dryRun: !fix });
  } catch {
    return [];
  }
  const findings: Finding[] = [];
  if (sweep.stale.length > 0) {
    findings.push({
      severity: "note",
      check: "leftover-temp-files",
      message: fix
        ? `Removed ${sweep.stale.length} temporary file(s) left by writers that are gone.`
        : `${sweep.stale.length} temporary file(s) were left by writers that are gone: ${sweep.stale.slice(0, 5).join(", ")}.`,
      fix: fix ? "-" : "credstack doctor --fix removes them (so does any file store when it opens).",
    });
  }
  if (sweep.live.length > 0) {
    findings.push({
      severity: "note",
      check: "live-temp-files",
      message: `${sweep.live.length} temporary file(s) may belong to writers still running; they are kept.`,
      fix: "-",
    });
  }
  return findings;
}

/** Plaintext credentials in a file: store's directory: clear-secret record files, legacy JSON. */
export async function checkPlaintext(dir: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return findings;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (!name.endsWith(".cred") && !name.endsWith(".json")) continue;
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile() || info.size > 1_000_000) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch {
      continue;
    }
    if (typeof parsed !== "object" || parsed === null) continue;
    const fields = Object.keys(parsed);
    const clearRecord = name.endsWith(".cred") && "secrets" in parsed;
    const legacy = name.endsWith(".json") && fields.some((field) => tokenFields.includes(field));
    if (clearRecord || legacy) {
      findings.push({
        severity: "problem",
        check: "plaintext",
        message: `${path} holds credentials in plaintext.`,
        fix: clearRecord
          ? `credstack migrate --from <this plaintext store> --to <an encrypted store>, then remove ${path}`
          : `credstack import-legacy ${dir} --to <store>, then remove ${path} (shred -u)`,
      });
    }
  }
  return findings;
}

/**
 * Reads every record: unreadable ones, records under a rotated-out key, records sealed in the previous
 * format (clear fields not authenticated), expired ones that cannot refresh.
 */
export async function checkRecords(opened: OpenedStore, now = Date.now()): Promise<Finding[]> {
  const findings: Finding[] = [];
  const { store, cipher } = opened;
  const activeKeyId = await cipher?.activeKeyId();
  const rotatedOut = new Map<string, number>();
  const expired: string[] = [];
  const unreadable: string[] = [];
  let previousFormat = 0;
  let count = 0;
  for await (const key of store.list()) {
    count++;
    const label = `${key.provider} / ${showAccount(key.account)}`;
    let record: Awaited<ReturnType<typeof store.get>>;
    try {
      record = await store.get(key);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "ERR_STORE_UNAVAILABLE" || code === "ERR_CIPHER_UNAVAILABLE") throw error;
      unreadable.push(`${label} (${code ?? "error"})`);
      continue;
    }
    if (record === undefined) continue;
    const seal = cipher?.sealOf(record);
    if (seal !== undefined && activeKeyId !== undefined && seal.keyId !== activeKeyId) {
      rotatedOut.set(seal.keyId, (rotatedOut.get(seal.keyId) ?? 0) + 1);
    }
    if (seal?.format === 1) previousFormat++;
    if (record.expiresAt !== undefined && record.expiresAt <= now && record.refreshToken === undefined) {
      expired.push(label);
    }
  }
  const some = (list: string[]) =>
    `${list.slice(0, 5).join("; ")}${list.length > 5 ? `; and ${list.length - 5} more` : ""}`;
  if (unreadable.length > 0) {
    findings.push({
      severity: "problem",
      check: "unreadable",
      message: `${unreadable.length} record(s) cannot be opened: ${some(unreadable)}.`,
      fix: "ERR_INTEGRITY: a key is missing from the options (add the old --key-file) or the data was tampered with; ERR_CORRUPT_RECORD: inspect the stored data, then credstack delete it.",
    });
  }
  for (const [keyId, records] of rotatedOut) {
    findings.push({
      severity: "problem",
      check: "rotated-out-key",
      message: `${records} record(s) are still sealed under key ${keyId}, not the active key ${activeKeyId}.`,
      fix: "credstack rotate-key (or reencrypt) to re-seal them; keep the old key until it reports 0 under another key.",
    });
  }
  if (previousFormat > 0) {
    findings.push({
      severity: "problem",
      check: "previous-seal-format",
      message: `${previousFormat} record(s) are sealed in the previous format (1): their scopes, expiry, token type and other clear fields are not authenticated.`,
      fix: "credstack reencrypt --current-key re-seals them in format 2 while the store stays in use; credstack rotate-key does too, under a new key — retire the old key afterwards so that saved old copies no longer open.",
    });
  }
  if (expired.length > 0) {
    findings.push({
      severity: "problem",
      check: "expired-without-refresh",
      message: `${expired.length} credential(s) are expired and have no refresh token: ${some(expired)}.`,
      fix: "They can never be used again: ask those users to authorize again, then credstack delete the old records.",
    });
  }
  findings.push({
    severity: "note",
    check: "records",
    message: `${count} record(s) read${activeKeyId === undefined ? "" : `; active key ${activeKeyId}`}.`,
    fix: "-",
  });
  return findings;
}
