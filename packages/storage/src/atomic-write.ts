import { randomBytes } from "node:crypto";
import { link, open, rename, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Name prefix of the temporary files {@link writeFileAtomic} creates beside its target. Dot-prefixed, so
 * never a record or key file name; cleanup of files left by a crashed writer can match on it.
 */
export const atomicTempPrefix = ".tmp-";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * Flush the file before it takes the target's name, and the directory after, so the write survives a
   * power cut (not only `kill -9`).
   * @default true
   */
  readonly fsync?: boolean;
  /**
   * Permission bits of the file, given to `open` so there is no window with looser ones.
   * @default 0o600
   */
  readonly mode?: number;
  /**
   * `true`: replace the target if it exists (`rename`). `false`: never replace it — the file is
   * hard-linked into place, and an existing target is left alone (the call returns `false`).
   * @default true
   */
  readonly replace?: boolean;
  /**
   * Name of the temporary file, in `path`'s directory. Give one that names its writer when a sweeper must
   * tell a live writer's file from a crashed writer's leftover (the file store does).
   * @default `${atomicTempPrefix}<24 random hex digits>`
   */
  readonly temporaryName?: string;
}

/**
 * Flushes a directory's entries (a rename, link or unlink in it) to disk. File systems that cannot fsync
 * a directory (`EINVAL`, `EISDIR`) are tolerated: the rename itself is still atomic there.
 *
 * @param dir - The directory.
 * @throws The system error when the directory cannot be opened or flushing fails otherwise.
 * @example
 * ```ts
 * import { unlink, writeFile } from "node:fs/promises";
 * import { syncDirectory } from "@credstack/storage";
 *
 * await writeFile("old.json", "{}");
 * await unlink("old.json");
 * await syncDirectory("."); // the removal survives a power cut
 * ```
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code !== "EINVAL" && code !== "EISDIR") throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Writes `path` atomically: a temporary file in the same directory (created exclusively with `mode`),
 * flushed, then renamed over the target (or, with `replace: false`, hard-linked into place), then the
 * directory flushed (see {@link syncDirectory}). A reader sees the old bytes or the new ones, never a mix,
 * also after `kill -9` or (with `fsync`) a power cut. On failure the temporary file is removed and the
 * target is untouched. The one atomic write of credstack: file store records, key files, migrate
 * checkpoints.
 *
 * @param path - The file to write; its directory must exist.
 * @param data - The bytes, or text written as UTF-8.
 * @param options - See {@link AtomicWriteOptions}.
 * @returns `true` when written; `false` only with `replace: false` when `path` already existed.
 * @throws The system error of the step that failed (`EACCES`, `ENOSPC`, ...).
 * @example
 * ```ts
 * import { writeFileAtomic } from "@credstack/storage";
 *
 * await writeFileAtomic("state.json", JSON.stringify({ done: 3 })); // replaces it whole, mode 0600
 * const created = await writeFileAtomic("instance-id", "first\n", { replace: false }); // false if it existed
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: AtomicWriteOptions = {},
): Promise<boolean> {
  const { fsync = true, mode = 0o600, replace = true } = options;
  const dir = dirname(path);
  const temporary = join(
    dir,
    options.temporaryName ?? `${atomicTempPrefix}${randomBytes(12).toString("hex")}`,
  );
  let written = true;
  try {
    const handle = await open(temporary, "wx", mode);
    try {
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    if (replace) {
      await rename(temporary, path);
    } else {
      await link(temporary, path).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== "EEXIST") throw error;
        written = false;
      });
      await unlink(temporary);
    }
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  if (written && fsync) await syncDirectory(dir);
  return written;
}
