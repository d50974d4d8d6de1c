import { type ResealResult, reseal } from "@credstack/storage";
import { type CommandIO, exitCodes } from "../io.js";
import { showAccount, table } from "./format.js";
import type { OpenedStore } from "./open-store.js";
import { progressReporter } from "./progress.js";

/** Counts after a re-seal, with the check pass that follows it. */
export interface ResealReport extends ResealResult {
  /** The key id new writes are sealed under. */
  readonly activeKeyId: string;
  /** Records still sealed under another key after the run (written meanwhile by a process that seals with an older key). */
  readonly underOtherKeys: number;
  /** Records still sealed in the previous format after the run (written meanwhile by a process using `formatOneCipher`). */
  readonly previousFormat: number;
}

/**
 * Re-seals every record of an opened store (whose cipher seals with the new key) with `reseal()`:
 * compare-and-set per record, so a concurrent writer is never overwritten. Then re-reads every record
 * to count those still under another key, prints a summary and returns the exit code.
 */
export async function resealAndReport(
  opened: OpenedStore,
  io: CommandIO,
  options: { operation: string; provider?: string | undefined; json: boolean },
): Promise<number> {
  const { store, cipher } = opened;
  if (cipher === undefined) throw new Error("resealAndReport needs a sealed store");
  const activeKeyId = await cipher.activeKeyId();
  const progress = progressReporter(io, options.operation);
  const started = performance.now();
  const result = await reseal({
    store,
    ...(options.provider === undefined ? {} : { provider: options.provider }),
    onProgress: (counts) =>
      progress.update({
        done: counts.resealed + counts.skipped + counts.failed,
        total: undefined,
        ...counts,
      }),
  });
  progress.finish();
  let underOtherKeys = 0;
  let previousFormat = 0;
  const listOptions = options.provider === undefined ? {} : { provider: options.provider };
  for await (const key of store.list(listOptions)) {
    const record = await store.get(key).catch(() => undefined);
    if (record === undefined) continue;
    const seal = cipher.sealOf(record);
    if (seal?.keyId !== activeKeyId) underOtherKeys++;
    if (seal?.format === 1) previousFormat++;
  }
  const seconds = (performance.now() - started) / 1000;
  for (const failure of result.failures.slice(0, 20)) {
    io.err(`failed: ${failure.key.provider} / ${showAccount(failure.key.account)}: ${failure.code}`);
  }
  const report: ResealReport = { ...result, activeKeyId, underOtherKeys, previousFormat };
  if (options.json) {
    io.out(JSON.stringify({ store: opened.label, ...report, failures: result.failures.length, seconds }));
  } else {
    io.out(`${options.operation} ${opened.label}: sealing with key ${activeKeyId}`);
    const rows = [
      ["", "RECORDS"],
      ["re-sealed", String(result.resealed)],
      ["skipped (written or deleted meanwhile)", String(result.skipped)],
      ["failed", String(result.failed)],
      ["still under another key", String(underOtherKeys)],
      ["still in the previous seal format", String(previousFormat)],
      ["seconds", seconds.toFixed(2)],
    ];
    for (const line of table(rows)) io.out(line);
  }
  if (underOtherKeys > 0) {
    io.err(
      `${underOtherKeys} record(s) are still sealed under another key: a process still seals with an old key; give it the new key and run this again.`,
    );
  }
  if (previousFormat > 0) {
    io.err(
      `${previousFormat} record(s) are still sealed in the previous format: a process still writes it (formatOneCipher); remove that and run this again.`,
    );
  }
  return result.failed > 0 ? exitCodes.problems : exitCodes.ok;
}
