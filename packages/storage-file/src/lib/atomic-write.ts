import { randomBytes } from "node:crypto";
import { open, readdir, rename, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { errnoOf } from "./io.js";

/** Prefix of temporary files; dot-prefixed, so never a record name. @internal */
export const tempPrefix = ".tmp-";

/** Temporary files younger than this may belong to a live writer and are left alone. @internal */
export const tempMaxAgeMs = 60_000;

/** A fresh temporary path in `dir`. @internal */
export function tempPathIn(dir: string): string {
  return join(dir, `${tempPrefix}${randomBytes(12).toString("hex")}`);
}

/**
 * Creates `path` exclusively with mode 0600 from the first byte (`wx`: fails if it exists; the mode is
 * given to `open`, so there is no window with looser permissions) and writes `data`.
 * @internal
 */
export async function createExclusive(path: string, data: Uint8Array | string, sync: boolean): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(data);
    if (sync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename or unlink in it) to disk. @internal */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems cannot fsync a directory; the rename is still atomic.
    if (errnoOf(error) !== "EINVAL" && errnoOf(error) !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `dir/name` atomically: writes a temporary file in the same directory, fsyncs it, renames it
 * over the target and fsyncs the directory. A reader sees the old bytes or the new ones, never a mix,
 * also after `kill -9` or (with `sync`) a power cut. On failure the temporary file is removed and the
 * target is untouched.
 * @internal
 */
export async function replaceFile(dir: string, name: string, data: Uint8Array, sync: boolean): Promise<void> {
  const temp = tempPathIn(dir);
  try {
    await createExclusive(temp, data, sync);
    await rename(temp, join(dir, name));
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (sync) await syncDirectory(dir);
}

/** Removes temporary files older than {@link tempMaxAgeMs} left by crashed writers. @internal */
export async function removeOldTempFiles(dir: string, now: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(tempPrefix)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (info.isFile() && now - info.mtimeMs > tempMaxAgeMs) {
        await unlink(path);
        removed++;
      }
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw error;
    }
  }
  return removed;
}
