import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { atomicTempPrefix } from "@credstack/storage";
import { errnoOf } from "./io.js";

// Atomic writes themselves are `writeFileAtomic` and `syncDirectory` of @credstack/storage; this file
// only sweeps what a crashed writer left behind.

/** Temporary files younger than this may belong to a live writer and are left alone. @internal */
export const tempMaxAgeMs = 60_000;

/**
 * Removes temporary files (named with `atomicTempPrefix`) older than {@link tempMaxAgeMs} left by crashed
 * writers. @internal
 */
export async function removeOldTempFiles(dir: string, now: number): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(atomicTempPrefix)) continue;
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
