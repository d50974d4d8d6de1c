// The legacy file-name mapping and its (lossy) inverse.

/**
 * The legacy server's `safe_email`: the name part of an account's credential file — lowercased, trimmed,
 * `@` → `_at_`, `.` → `_`. Public (as `legacySafeName`) so operators can write the `mapping` of
 * {@link importLegacy} for files whose content does not name the account.
 *
 * @param email - The account's email address.
 * @returns The safe name the legacy server used in file names.
 * @example
 * ```ts
 * import { legacySafeName } from "@credstack/compat";
 *
 * legacySafeName(" Ada.Lovelace@Example.com "); // "ada_lovelace_at_example_com"
 * ```
 */
export function safeNameOf(email: string): string {
  return email.trim().toLowerCase().replaceAll("@", "_at_").replaceAll(".", "_");
}

const maxCandidates = 16;

/**
 * Plausible emails whose legacy safe name is `safe`: each `_at_` taken as the `@`, the domain's `_` as
 * `.`, the local part's `_` as `.` or `_`. Shown to the operator to write a mapping; never used to guess.
 * @internal
 */
export function candidatesOf(safe: string): string[] {
  const parts = safe.split("_at_");
  const out = new Set<string>();
  for (let at = 1; at < parts.length; at++) {
    const local = parts.slice(0, at).join("_at_");
    const domain = parts.slice(at).join("_at_").replaceAll("_", ".");
    if (local.length === 0 || domain.length === 0) continue;
    const pieces = local.split("_");
    const gaps = pieces.length - 1;
    const masks =
      gaps <= 3 ? Array.from({ length: 1 << gaps }, (_, i) => i) : [0, (1 << Math.min(gaps, 30)) - 1];
    for (const mask of masks) {
      let text = pieces[0] as string;
      for (let i = 1; i < pieces.length; i++) text += ((mask >> (i - 1)) & 1 ? "." : "_") + pieces[i];
      out.add(`${text}@${domain}`);
      if (out.size >= maxCandidates) return [...out];
    }
  }
  return [...out];
}
