const escapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => escapes[char] as string);

/**
 * The page the user's browser shows after the provider redirects back. Static text only (every value
 * escaped, no script, no external resource); served with a `default-src 'none'` CSP.
 * @internal
 */
export function callbackPage(
  outcome: { ok: true; provider: string } | { ok: false; reason: string },
): string {
  const title = outcome.ok ? "Authorization complete" : "Authorization failed";
  const text = outcome.ok
    ? `Your ${escapeHtml(outcome.provider)} account is connected. You can close this window and return to your assistant.`
    : `The authorization could not be completed (${escapeHtml(outcome.reason)}). Start again from your assistant.`;
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head>
<body><h1>${title}</h1><p>${text}</p></body>
</html>
`;
}
