/** Where a command writes. Tests pass buffers; the binary passes the process streams. */
export interface CommandIO {
  /** Writes one line of regular output. */
  out(line: string): void;
  /** Writes one line of diagnostics. */
  err(line: string): void;
}

/**
 * Exit codes of `credstack`, documented in docs/cli.md.
 * - 0: success
 * - 1: the operation failed (store unavailable, integrity error, ...)
 * - 2: usage error (unknown command or option, missing argument)
 * - 3: unknown scope name
 */
export const exitCodes = { ok: 0, failure: 1, usage: 2, unknownScope: 3 } as const;

/** A usage error: the command line itself is wrong. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
