/**
 * Levenshtein distance with an early exit once `limit` is exceeded (returns `limit + 1` then).
 * @internal
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > limit) return limit + 1;
    previous = current;
  }
  return previous[b.length] ?? limit + 1;
}

/**
 * The known names closest to `name` (case-insensitive edit distance, closest first), for "did you mean …?"
 * in error messages only: suggestions are never applied. Used for scope names and by the `credstack` and
 * `credstack-gateway` binaries for mistyped commands and options.
 * @param name - what was typed (only its first 200 characters are compared).
 * @param known - the valid names.
 * @param max - at most this many suggestions.
 */
export function closestNames(name: string, known: Iterable<string>, max = 5): string[] {
  const needle = name.toLowerCase().slice(0, 200);
  const limit = Math.max(2, Math.floor(needle.length / 3));
  const scored: Array<[number, string]> = [];
  for (const candidate of known) {
    const distance = editDistance(needle, candidate.toLowerCase(), limit);
    if (distance <= limit) scored.push([distance, candidate]);
  }
  scored.sort((x, y) => x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0));
  return scored.slice(0, max).map(([, candidate]) => candidate);
}
