/**
 * Legacy expiry timestamps. google-auth keeps `expiry` as a naive UTC `datetime`; the legacy server wrote
 * it with `isoformat()` (`2025-01-02T03:04:05` or `...05.123456`), google-auth's `to_json` appends `Z`, and
 * FastMCP files may carry an offset. A timestamp without a zone is UTC.
 * @internal
 */

const isoPattern =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds of a legacy timestamp, or `undefined` when it is not one. @internal */
export function parseLegacyExpiry(text: string): number | undefined {
  const match = isoPattern.exec(text.trim());
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const ms = Math.floor(Number((fraction ?? "0").padEnd(6, "0")) / 1000);
  let epoch = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (Number.isNaN(epoch)) return undefined;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    epoch -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  const check = new Date(epoch);
  if (check.getUTCFullYear() < 1970 || epoch < 0) return undefined;
  return epoch;
}

/** The naive UTC `isoformat()` Python would write for `epochMs` (microseconds only when not zero). @internal */
export function formatLegacyExpiry(epochMs: number): string {
  const iso = new Date(epochMs).toISOString(); // 2025-01-02T03:04:05.678Z
  const base = iso.slice(0, 19);
  const ms = epochMs % 1000;
  return ms === 0 ? base : `${base}.${String(ms).padStart(3, "0")}000`;
}
