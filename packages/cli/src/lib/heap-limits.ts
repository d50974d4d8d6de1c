import { PerformanceObserver } from "node:perf_hooks";
import { getHeapSpaceStatistics, setFlagsFromString } from "node:v8";

/** Node options that size V8's heap: when the user passes one, theirs wins and we set nothing. */
const heapSizingFlag =
  /--(?:(?:max|min)[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor|heap[-_]growing[-_]percent|max[-_]old[-_]space[-_]size|max[-_]heap[-_]size)\b/;

/**
 * V8 flags `credstack` sets at start-up: the old generation may grow to twice what survived the last full
 * collection. @internal
 */
export const heapLimitFlags: readonly string[] = ["--heap-growing-percent=100"];

/**
 * The young generation's size (both semi-spaces, as `v8.getHeapSpaceStatistics()` reports `new_space`)
 * at which `credstack` stops V8 from growing it further. @internal
 */
export const youngGenerationCapBytes = 4 * 1024 * 1024;

/** The commands that stream every record of a store: the ones whose heap growth is bounded. @internal */
export const bulkCommands: ReadonlySet<string> = new Set([
  "migrate",
  "import-legacy",
  "reencrypt",
  "rotate-key",
]);

/**
 * Whether `credstack` should bound its heap growth: yes, unless the user sized V8's heap themselves
 * (`node --max-semi-space-size=…`, `--max-old-space-size=…`, …, or the same in `NODE_OPTIONS`). @internal
 */
export function boundsHeapGrowth(execArgv: readonly string[], nodeOptions: string | undefined): boolean {
  return !execArgv.some((arg) => heapSizingFlag.test(arg)) && !heapSizingFlag.test(nodeOptions ?? "");
}

/** The young generation's current size in bytes. */
const youngGenerationBytes = (): number =>
  getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;

/**
 * Stops the young generation from growing once it reached `capBytes`: after each garbage collection
 * its size is read, and at the cap V8's growth factor becomes 1 (read by V8 at each growth, unlike
 * `--max-semi-space-size`, which is fixed when V8 starts). @internal
 */
export function capYoungGeneration(capBytes: number = youngGenerationCapBytes): void {
  const capped = () => {
    if (youngGenerationBytes() < capBytes) return false;
    setFlagsFromString("--semi-space-growth-factor=1");
    return true;
  };
  if (capped()) return;
  const observer = new PerformanceObserver(() => {
    if (capped()) observer.disconnect();
  });
  observer.observe({ entryTypes: ["gc"] });
}

/**
 * Bounds how far V8 lets the heap grow beyond what the process keeps alive, for the rest of the process.
 * A bulk command ({@link bulkCommands}) allocates records and buffers at a high rate; by default V8 then
 * doubles the young generation up to 16 MiB per semi-space (32 MiB that only hold garbage between
 * scavenges) and lets the old generation, where records in flight across a network round trip are
 * promoted, grow to several times its live size before a full collection — with the records' Buffers
 * (external memory, freed only when their objects are collected) waiting along with it. Here the young
 * generation stops growing once it reached 4 MiB (the collection that reached it may double it once
 * more; kept at its 1 MiB start instead, it was measured to cost ~20 % of `migrate`'s CPU in scavenges
 * and promotions; 8 and 16 MiB were no faster within the noise, and larger) and the old generation grows
 * to twice its live size. The user's own heap flags win.
 * @internal
 */
export function boundHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions: string | undefined = process.env.NODE_OPTIONS,
): boolean {
  if (!boundsHeapGrowth(execArgv, nodeOptions)) return false;
  for (const flag of heapLimitFlags) setFlagsFromString(flag);
  capYoungGeneration();
  return true;
}
