/**
 * `json.dumps(value, sort_keys=True)` of Python's standard library, byte for byte, for the values a legacy
 * envelope holds (strings, numbers, booleans, null, arrays, objects): separators `", "` and `": "`,
 * `ensure_ascii` escaping, keys sorted by code point. The legacy envelope HMAC is computed over this text.
 * @internal
 */
export function pythonJsonDumps(value: unknown): string {
  if (value === null) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("not representable");
    // Python and JavaScript print floats differently (1e-05 vs 1e-5); legacy envelopes hold none.
    if (!Number.isSafeInteger(value)) throw new TypeError("only integers are supported");
    return String(value);
  }
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      compareCodePoints(a, b),
    );
    return `{${entries.map(([k, v]) => `${pythonString(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
  }
  throw new TypeError("not representable");
}

function compareCodePoints(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const escapes: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\b": "\\b",
  "\f": "\\f",
};

function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const escaped = escapes[ch];
    if (escaped !== undefined) out += escaped;
    else {
      const code = text.charCodeAt(i);
      out += code < 0x20 || code > 0x7e ? `\\u${code.toString(16).padStart(4, "0")}` : ch;
    }
  }
  return `${out}"`;
}
