import { decodeBase64Url } from "./fernet.js";
import { candidatesOf, safeNameOf } from "./safe-name.js";

/**
 * What decided a legacy file's account, strongest first: the identity inside the decrypted credential
 * (`user_email`, ID token claims), a `.user_api_keys.json` (or supplied key) binding of the envelope's
 * recipient ids, the single email the file name can come from, an explicit mapping.
 */
export type LegacyEvidence = "credential" | "recipient-binding" | "file-name" | "mapping";

/** The evidence about one readable file. @internal */
export interface FileEvidence {
  /** The legacy safe name from the file name. */
  readonly safe: string;
  /** Emails inside the credential (user_email, id_token email claim), as written. */
  readonly inner: readonly string[];
  /** Accounts the recipient ids are bound to (lower-cased). */
  readonly bound: ReadonlySet<string>;
  /** A recipient id the sources bind to more than one account (the registry and a supplied key disagree). */
  readonly contested?: boolean;
  /** The mapping's account for the file, if any. */
  readonly mapped: string | undefined;
}

/** The outcome of weighing the evidence. @internal */
export type EvidenceOutcome =
  | { readonly kind: "decided"; readonly account: string; readonly evidence: LegacyEvidence }
  | { readonly kind: "conflict"; readonly reason: string }
  | { readonly kind: "ambiguous"; readonly reason: string; readonly candidates: readonly string[] };

const lower = (email: string) => email.trim().toLowerCase();

/**
 * Whether some legacy writer names `email`'s file `safe`: the current release lower-cases and trims
 * the email before `@` → `_at_`, `.` → `_`; older releases kept its spelling. Accounts compare without
 * case, so both rules come down to comparing lower-cased safe names.
 * @internal
 */
export function nameFits(email: string, safe: string): boolean {
  return safeNameOf(email) === safe.toLowerCase();
}

/** The `email` claim of an unverified ID token found inside an authenticated credential, if any. @internal */
export function idTokenEmail(json: unknown): string | undefined {
  if (typeof json !== "object" || json === null) return undefined;
  const token = (json as Record<string, unknown>).id_token;
  if (typeof token !== "string") return undefined;
  const payload = decodeBase64Url(token.split(".")[1] ?? "");
  if (payload === undefined) return undefined;
  try {
    const claims = JSON.parse(payload.toString("utf8")) as Record<string, unknown>;
    return typeof claims.email === "string" ? claims.email : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Weighs the evidence about a file's account. The strongest present evidence decides; any other
 * evidence that names another account is a conflict (the file's contents belong to someone else than
 * its name or mapping says: a swapped file), never imported under either name.
 * @internal
 */
export function weighEvidence(e: FileEvidence): EvidenceOutcome {
  const mapped = e.mapped === undefined ? undefined : lower(e.mapped);
  const conflict = (reason: string): EvidenceOutcome => ({ kind: "conflict", reason });
  const inner = [...new Set(e.inner.map(lower))];
  if (inner.length > 1) return conflict("the credential names two different accounts inside");
  if (e.contested === true) {
    return conflict(
      "one of its recipient ids is bound to several accounts (registry and supplied keys disagree)",
    );
  }
  const [own] = inner;
  if (own !== undefined) {
    if (!nameFits(own, e.safe)) {
      return conflict(`the credential inside belongs to ${own}, not to the account of the file name`);
    }
    if (e.bound.size > 0 && !e.bound.has(own)) {
      return conflict(
        `the credential inside belongs to ${own}, its recipients to ${[...e.bound].join(", ")}`,
      );
    }
    if (mapped !== undefined && mapped !== own) {
      return conflict(`the credential inside belongs to ${own}, the mapping says ${mapped}`);
    }
    const spelled = e.inner.find((email) => lower(email) === own) as string;
    return { kind: "decided", account: spelled.trim(), evidence: "credential" };
  }
  if (e.bound.size > 0) {
    const fits = [...e.bound].filter((email) => nameFits(email, e.safe));
    if (fits.length === 0) {
      return conflict(
        `its recipients are bound to ${[...e.bound].join(", ")}, none of whom the file name can belong to`,
      );
    }
    if (mapped !== undefined && !fits.includes(mapped)) {
      return conflict(`its recipients are bound to ${fits.join(", ")}, the mapping says ${mapped}`);
    }
    if (fits.length === 1)
      return { kind: "decided", account: fits[0] as string, evidence: "recipient-binding" };
    if (mapped !== undefined) return { kind: "decided", account: mapped, evidence: "mapping" };
    return {
      kind: "ambiguous",
      reason: "its recipients are bound to several accounts the file name fits; map it explicitly",
      candidates: fits,
    };
  }
  const candidates = [...new Set(candidatesOf(e.safe).map(lower))];
  if (candidates.length === 1) {
    const only = candidates[0] as string;
    if (mapped !== undefined && mapped !== only) {
      return conflict(`the file name can only belong to ${only}, the mapping says ${mapped}`);
    }
    return { kind: "decided", account: only, evidence: "file-name" };
  }
  if (mapped !== undefined) {
    if (!nameFits(mapped, e.safe)) return conflict(`the mapping's ${mapped} does not fit the file name`);
    return { kind: "decided", account: mapped, evidence: "mapping" };
  }
  return {
    kind: "ambiguous",
    reason:
      "nothing inside names the account and the file name is lossy (@ → _at_, . → _); map it explicitly",
    candidates,
  };
}
