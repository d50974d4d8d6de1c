import { open } from "node:fs/promises";
import { isCredstackError } from "@credstack/errors";
import { StoreUnavailableError } from "@credstack/storage";

/** A Node.js system error's `code` (`ENOENT`, `EACCES`, ...), if it has one. @internal */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * Runs a file-system step; a failure that is not already a typed credstack error becomes
 * `StoreUnavailableError` with the system error as `cause` (its message names the path and the errno,
 * never record contents).
 * @internal
 */
export async function io<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isCredstackError(error)) throw error;
    const code = errnoOf(error) ?? "unknown error";
    throw new StoreUnavailableError(`File store could not ${what} (${code}).`, { cause: error });
  }
}

/** Waits `ms` milliseconds. @internal */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads a whole file with one `read` for small files (open, read, close: one thread-pool round trip
 * fewer than `readFile`). The open descriptor keeps reading the same inode if the file is replaced.
 * @internal
 */
export async function readWhole(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    let buffer = Buffer.allocUnsafe(16_384);
    let length = 0;
    for (;;) {
      const wanted = buffer.length - length;
      const { bytesRead } = await handle.read(buffer, length, wanted, length);
      length += bytesRead;
      if (bytesRead < wanted) return buffer.subarray(0, length);
      const bigger = Buffer.allocUnsafe(buffer.length * 4);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
    }
  } finally {
    await handle.close();
  }
}
