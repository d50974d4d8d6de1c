// Timing helpers shared by the adapter benchmarks: a candidate and its baseline measured in the same run,
// interleaved so load from elsewhere on a shared machine hits both alike.

/** p50 (µs) and ops/s of a run. */
function stats(us, ms) {
  const sorted = [...us].sort((a, b) => a - b);
  return {
    p50: sorted[Math.floor(sorted.length / 2)],
    p99: sorted[Math.floor(sorted.length * 0.99)],
    opsPerSec: (us.length / ms) * 1000,
  };
}

/** Runs `fn(i)` `count` times from `inFlight` concurrent workers; pushes each call's µs; returns wall ms. */
async function run(fn, count, inFlight, into) {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) {
        const i = next++;
        const t = process.hrtime.bigint();
        await fn(i);
        into.push(Number(process.hrtime.bigint() - t) / 1000);
      }
    }),
  );
  return performance.now() - start;
}

/**
 * `candidate` and `baseline` in alternating rounds of `perRound` calls (each round with `inFlight`
 * calls outstanding), after a warm-up of both; each side's p50 µs, p99 µs and ops/s over all its rounds.
 * @param {(i: number) => Promise<unknown>} candidate
 * @param {(i: number) => Promise<unknown>} baseline
 * @param {{ rounds?: number, perRound?: number, inFlight?: number, warmup?: number }} [options]
 */
export async function interleave(candidate, baseline, options = {}) {
  const { rounds = 6, perRound = 500, inFlight = 1, warmup = 300 } = options;
  const scratch = [];
  await run(candidate, warmup, inFlight, scratch);
  await run(baseline, warmup, inFlight, scratch);
  const a = { us: [], ms: 0 };
  const b = { us: [], ms: 0 };
  for (let r = 0; r < rounds; r++) {
    // Alternate which goes first, so neither always follows the other.
    const order =
      r % 2 === 0
        ? [
            [candidate, a],
            [baseline, b],
          ]
        : [
            [baseline, b],
            [candidate, a],
          ];
    for (const [fn, into] of order) into.ms += await run(fn, perRound, inFlight, into.us);
  }
  return { candidate: stats(a.us, a.ms), baseline: stats(b.us, b.ms) };
}
