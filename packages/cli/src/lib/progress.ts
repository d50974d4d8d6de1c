import type { CommandIO } from "../io.js";

/** Counts a progress report shows. */
export interface ProgressCounts {
  readonly done: number;
  readonly total: number | undefined;
  readonly [name: string]: number | undefined;
}

/** Reports progress: a bar redrawn on a terminal, JSON lines on stderr otherwise; at most every `everyMs`. */
export interface ProgressReporter {
  /** Reports counts (throttled unless `force`). */
  update(counts: ProgressCounts, force?: boolean): void;
  /** Ends the bar line (terminal only). */
  finish(): void;
}

const width = 30;

/** Creates a progress reporter for an operation named `operation` (`migrate`, `reencrypt`). */
export function progressReporter(io: CommandIO, operation: string, everyMs = 250): ProgressReporter {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(counts, force = false) {
      const now = Date.now();
      if (!force && now - last < everyMs) return;
      last = now;
      const elapsed = (now - started) / 1000;
      const rate = elapsed > 0 ? Math.round(counts.done / elapsed) : 0;
      if (io.status === undefined) {
        io.err(
          JSON.stringify({
            event: "progress",
            operation,
            ...counts,
            elapsedMs: now - started,
            perSecond: rate,
          }),
        );
        return;
      }
      const { done, total, ...rest } = counts;
      const fraction = total === undefined || total === 0 ? 1 : Math.min(1, done / total);
      const filled = Math.round(fraction * width);
      const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
      const extra = Object.entries(rest)
        .map(([name, value]) => `${name} ${value}`)
        .join(", ");
      const of = total === undefined ? `${done}` : `${done}/${total} ${Math.floor(fraction * 100)}%`;
      io.status(`\r${operation} ${bar} ${of}  ${extra}  ${rate}/s `);
      drawn = true;
    },
    finish() {
      if (drawn) io.status?.("\n");
    },
  };
}
