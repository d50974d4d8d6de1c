import { UsageError } from "../io.js";

/** Renders rows as an aligned plain-text table (first row: headers). */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  const line = (row: readonly string[]) =>
    row
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join("  ")
      .trimEnd();
  const [head, ...body] = rows;
  if (head === undefined) return [];
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...body.map(line)];
}

/** An account for display: control characters escaped, long ones clipped. */
export function showAccount(account: string, max = 64): string {
  const escaped = [...account]
    .map((c) => {
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, "0")}` : c;
    })
    .join("");
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/** An absolute time with how far it is from `now` (`2026-01-01T00:00:00.000Z (in 3h)`). */
export function showTime(epochMs: number | undefined, now = Date.now()): string {
  if (epochMs === undefined) return "never";
  return `${new Date(epochMs).toISOString()} (${relative(epochMs - now)})`;
}

/** `in 3h`, `5m ago`. */
export function relative(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  const units: [number, string][] = [
    [86_400_000, "d"],
    [3_600_000, "h"],
    [60_000, "m"],
    [1000, "s"],
  ];
  const [size, unit] = units.find(([size]) => abs >= size) ?? [1000, "s"];
  const amount = Math.floor(abs / size);
  return deltaMs >= 0 ? `in ${amount}${unit}` : `${amount}${unit} ago`;
}

/** Parses a positive integer option. */
export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new UsageError(`--${name} must be a positive integer (got ${JSON.stringify(value)}).`);
  }
  return parsed;
}
