import { open, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { RecordFileName } from "./file-names.js";
import { errnoOf } from "./io.js";
import { tempNameFor } from "./temp-files.js";

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
 * Replaces the record file `file` in `dir` atomically: writes a temporary file (named after its writer,
 * see `tempNameFor`) in the same directory, fsyncs it, renames it
 * over the target and fsyncs the directory. A reader sees the old bytes or the new ones, never a mix,
 * also after `kill -9` or (with `sync`) a power cut. On failure the temporary file is removed and the
 * target is untouched.
 * @internal
 */
export async function replaceFile(
  dir: string,
  file: RecordFileName,
  data: Uint8Array,
  sync: boolean,
): Promise<void> {
  const temp = join(dir, tempNameFor(file.stem));
  try {
    await createExclusive(temp, data, sync);
    await rename(temp, join(dir, file.name));
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  if (sync) await syncDirectory(dir);
}
