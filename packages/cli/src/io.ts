/** Where a command writes. Tests pass buffers; the binary passes the process streams. */
export interface CommandIO {
  /** Writes one line of regular output. */
  out(line: string): void;
  /** Writes one line of diagnostics. */
  err(line: string): void;
  /**
   * Redraws the status line (a progress bar) in place. Present only when stderr is a terminal; without
   * it, commands report progress as JSON lines through {@link CommandIO.err}.
   */
  status?(text: string): void;
}

/**
 * Exit codes of `credstack`, documented in docs/cli.md.
 * - 0: success
 * - 1: the operation failed (store unavailable, integrity error, bad key, ...)
 * - 2: usage error (unknown command or option, missing argument, bad store URI, missing cipher option)
 * - 3: unknown scope name
 * - 4: the command ran but found problems (doctor findings, `migrate --verify` mismatches, records that
 *   could not be migrated or re-sealed)
 * - 5: no such credential (`inspect`, `delete`)
 */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  unknownScope: 3,
  problems: 4,
  notFound: 5,
} as const;

/** A usage error: the command line itself is wrong. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
