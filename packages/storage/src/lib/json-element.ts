/**
 * Exactly what `JSON.stringify` writes for one array element, faster for the common values: plain
 * strings and safe integers are written directly; anything else goes to `JSON.stringify`. The record
 * digest and the seal binding are JSON arrays built on every get and put, and `JSON.stringify` of a whole
 * array spends most of its time formatting numbers and scanning strings that need no escaping.
 * @internal
 */

/** Characters `JSON.stringify` escapes in a string: `"`, `\`, controls, and (lone) surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const needsEscape = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(value)` as an array element: `"null"` where `JSON.stringify` gives `undefined`. @internal */
export function jsonElement(value: unknown): string {
  if (typeof value === "string") return needsEscape.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === "number" && Number.isSafeInteger(value)) return `${value}`;
  return JSON.stringify(value) ?? "null";
}

/** `JSON.stringify(values)` of an array, element by element with {@link jsonElement}. @internal */
export function jsonArray(values: unknown): string {
  if (!Array.isArray(values)) return JSON.stringify(values) ?? "null";
  let out = "[";
  for (let i = 0; i < values.length; i++) out += (i === 0 ? "" : ",") + jsonElement(values[i]);
  return `${out}]`;
}
