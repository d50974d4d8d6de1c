// Shared by every package's bench/run.mjs: records each target's figure beside the baseline measured in the
// same run, so `pnpm bench` can end with one table (scripts/bench-summary.mjs). Results are JSON files in
// .bench-results/ at the repository root, one per package, overwritten by each run.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Directory of the result files (CREDSTACK_BENCH_RESULTS overrides it). */
export const resultsDir =
  process.env.CREDSTACK_BENCH_RESULTS ??
  join(dirname(fileURLToPath(import.meta.url)), "..", ".bench-results");

/**
 * One target's result: the figure, the baseline measured in the same run, figure ÷ baseline (oriented so
 * lower is better), the limit as the target states it, and whether it was met.
 * @typedef {{ target: string, figure: string, baseline: string, ratio?: number, limit: string, met: boolean }} BenchTarget
 */

/**
 * Writes `targets` for `pkg` (e.g. "storage-redis").
 * @param {string} pkg
 * @param {BenchTarget[]} targets
 */
export function writeResults(pkg, targets) {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, `${pkg}.json`),
    `${JSON.stringify({ pkg, at: new Date().toISOString(), targets }, null, 2)}\n`,
  );
}

/**
 * A target that is a time ratio: `figure` and `baseline` in the same unit, met when figure/baseline ≤ limit.
 * @param {string} target @param {number} figure @param {number} baseline @param {number} limit @param {string} unit
 * @returns {BenchTarget}
 */
export function ratioTarget(target, figure, baseline, limit, unit) {
  const ratio = figure / baseline;
  const f = (x) => `${x < 10 ? x.toFixed(2) : Math.round(x).toLocaleString("en")} ${unit}`;
  return {
    target,
    figure: f(figure),
    baseline: f(baseline),
    ratio,
    limit: `≤ ${limit}×`,
    met: ratio <= limit,
  };
}

/**
 * A target on a rate where more is better: met when baseline/figure ≤ limit (`limitText` words it, e.g.
 * "≥ 80% of baseline" for a limit of 1.25).
 * @param {string} target @param {number} figure @param {number} baseline @param {number} limit @param {string} unit
 * @param {string} [limitText]
 * @returns {BenchTarget}
 */
export function rateTarget(target, figure, baseline, limit, unit, limitText = `≤ ${limit}× slower`) {
  const ratio = baseline / figure;
  const f = (x) => `${Math.round(x).toLocaleString("en")} ${unit}`;
  return { target, figure: f(figure), baseline: f(baseline), ratio, limit: limitText, met: ratio <= limit };
}

/**
 * An absolute target (no baseline), e.g. "1 Decrypt call" or "≥ 10 000 records/s".
 * @param {string} target @param {string} figure @param {string} limit @param {boolean} met @param {string} [baseline]
 * @returns {BenchTarget}
 */
export function absoluteTarget(target, figure, limit, met, baseline = "—") {
  return { target, figure, baseline, limit, met };
}
