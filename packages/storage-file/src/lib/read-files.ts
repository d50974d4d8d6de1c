import { readFileSync } from "node:fs";
import { errnoOf } from "./io.js";

/** Files read per slice of {@link readFilesInSlices} before the event loop gets a turn. @internal */
export const readSlice = 32;

/** What reading one file gave: its bytes, `undefined` when it does not exist, or the system error. */
export type FileRead = Buffer | undefined | { readonly failed: unknown };

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Reads many small files for a bulk read: `readFileSync` (one open, read, close on this thread) in slices
 * of {@link readSlice} files, giving the event loop a turn between slices. Record files are a few kB
 * and usually in the page cache, where a synchronous read costs a few microseconds while each of the
 * three thread-pool round trips of an async read (open, read, close) costs more than the read itself
 * (measured: ~5 µs against ~25-70 µs of CPU per file). A slice blocks for well under a millisecond.
 * Each file is read through one descriptor, so a file replaced meanwhile (atomic rename) is read whole,
 * old or new. An `undefined` path reads as absent. @internal
 */
export async function readFilesInSlices(paths: readonly (string | undefined)[]): Promise<FileRead[]> {
  const reads: FileRead[] = new Array(paths.length);
  for (let start = 0; start < paths.length; start += readSlice) {
    if (start > 0) await turn();
    const end = Math.min(paths.length, start + readSlice);
    for (let index = start; index < end; index++) {
      const path = paths[index];
      if (path === undefined) continue; // nothing to read (an invalid key)
      try {
        reads[index] = readFileSync(path);
      } catch (error) {
        reads[index] = errnoOf(error) === "ENOENT" ? undefined : { failed: error };
      }
    }
  }
  return reads;
}
