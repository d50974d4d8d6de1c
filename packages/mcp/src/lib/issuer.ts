/**
 * An authorization server identifier in the form used in keys: parsed as a URL when it is one (so the
 * spelling of scheme, host or default port does not matter), without one trailing `/` — the SDK's
 * `String(new URL(...))` adds one that advertised issuers usually lack. @internal
 */
export function issuerKey(issuer: string): string {
  let text = issuer.trim();
  try {
    text = new URL(text).href;
  } catch {
    // Not a URL: compared as written.
  }
  return text.endsWith("/") ? text.slice(0, -1) : text;
}

/** True when two issuer identifiers name the same authorization server. @internal */
export function sameIssuer(a: string, b: string): boolean {
  return issuerKey(a) === issuerKey(b);
}
