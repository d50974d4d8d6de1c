import { statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isCredstackError } from "@credstack/errors";
import { type CredentialKey, compareKeys, normalizeKey } from "@credstack/storage";
import { fileNameOf, parseFileName } from "./file-names.js";
import { errnoOf, readWhole } from "./io.js";
import { parseRecordFileJson } from "./record-file.js";

/** Warns (never silently) about a record file whose key cannot be learned; it is left in place. */
function warnUnlisted(path: string, reason: string): void {
  process.emitWarning(`credstack file store: not listing ${path}: ${reason}`, {
    type: "CredstackWarning",
    code: "CREDSTACK_UNREADABLE_RECORD_FILE",
  });
}

/** The key a hashed (`h-`) record file holds, checked against its name. */
async function keyOfHashedFile(dir: string, name: string): Promise<CredentialKey | undefined> {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    bytes = await readWhole(path);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined; // deleted meanwhile
    throw error;
  }
  try {
    const body = parseRecordFileJson(bytes, path);
    const key = normalizeKey({ provider: body.provider as string, account: body.account as string });
    if (fileNameOf(key).name !== name) {
      warnUnlisted(path, "its key does not match its name (moved or swapped).");
      return undefined;
    }
    return key;
  } catch (error) {
    if (!isCredstackError(error)) throw error;
    warnUnlisted(path, error.message);
    return undefined;
  }
}

/**
 * Every key in `dir`, sorted by `compareKeys`: decoded from `c-` names, read from the header of `h-`
 * files. Temporary, lock and lease files and foreign names are not keys. A `c-` file is listed even when
 * its contents are damaged (`get` then throws); an `h-` file whose key cannot be read is left in place
 * and reported with a `CREDSTACK_UNREADABLE_RECORD_FILE` warning.
 * @internal
 */
export async function listKeys(dir: string): Promise<CredentialKey[]> {
  const keys: CredentialKey[] = [];
  // One string per provider, shared by its keys: the snapshot is kept, and 100 000 keys take about 9 MiB
  // of heap so, against 16 MiB with a copy per key and account slices of the whole name (list-memory.mjs).
  const providers = new Map<string, string>();
  for (const name of await readdir(dir)) {
    const parsed = parseFileName(name);
    if (parsed === undefined) continue;
    if (parsed.kind === "encoded") {
      const { provider, account } = parsed.key;
      const shared = providers.get(provider);
      if (shared === undefined) providers.set(provider, provider);
      keys.push(shared === undefined ? parsed.key : { provider: shared, account });
      continue;
    }
    const key = await keyOfHashedFile(dir, name);
    if (key !== undefined) keys.push(key);
  }
  return keys.sort(compareKeys);
}

/**
 * Changes to a directory within this long of its last modification time may share that time (coarse
 * timestamps), so a snapshot taken that soon is not reused. @internal
 */
export const racyWindowMs = 2000;

/**
 * The directory's modification time (ns). Synchronous on purpose: it is one `stat` of one directory
 * (about 1 µs), while the thread-pool round trip of `fs.promises.stat` costs 7–80 µs, varying from call to
 * call, and was most of a page's cost.
 */
function modifiedNs(dir: string): bigint {
  return statSync(dir, { bigint: true }).mtimeNs;
}

/**
 * {@link listKeys} with the last snapshot kept while the directory is unchanged: every create, rename
 * and unlink in it — every put (temp file and rename), delete and lock — moves the directory's
 * modification time, so a listing taken when it stood still is reused until it moves. Paging through an
 * idle store then costs one synchronous `stat` and a binary search per page, not a directory scan. A snapshot is kept
 * only when the directory did not change while it was read and its last change is older than
 * {@link racyWindowMs}, so a change sharing a coarse timestamp with the snapshot is never missed.
 * @internal
 */
export function keyListing(dir: string, now: () => number = Date.now): () => Promise<CredentialKey[]> {
  let kept: { mtimeNs: bigint; keys: CredentialKey[] } | undefined;
  return async () => {
    const before = modifiedNs(dir);
    if (kept !== undefined && kept.mtimeNs === before) return kept.keys;
    const startedAt = now();
    const keys = await listKeys(dir);
    const after = modifiedNs(dir);
    const settled = after === before && Number(after / 1_000_000n) < startedAt - racyWindowMs;
    kept = settled ? { mtimeNs: after, keys } : undefined;
    return keys;
  };
}
