import { CredstackError, type CredstackErrorOptions, InvalidArgumentError } from "@credstack/errors";

export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export { CredstackError, InvalidArgumentError };

const maxShownLength = 120;

/** Shortens a caller-supplied name for an error message (a hostile input must not flood logs). */
function shown(name: string): string {
  const clipped = name.length > maxShownLength ? `${name.slice(0, maxShownLength)}…` : name;
  return JSON.stringify(clipped);
}

/**
 * A scope name that is not a known scope, named scope, group or legacy name (code `ERR_UNKNOWN_SCOPE`).
 * Nothing passes through silently: resolving fails as a whole.
 */
export class UnknownScopeError extends CredstackError {
  /** The name as given. */
  readonly scopeName: string;
  /** The provider it was looked up for. */
  readonly provider: string;
  /** The closest known names, best first (at most five). */
  readonly suggestions: readonly string[];

  constructor(
    scopeName: string,
    provider: string,
    suggestions: readonly string[],
    options?: CredstackErrorOptions,
  ) {
    const hint = suggestions.length > 0 ? ` Closest known names: ${suggestions.join(", ")}.` : "";
    super("ERR_UNKNOWN_SCOPE", `Unknown ${provider} scope name ${shown(scopeName)}.${hint}`, options);
    this.scopeName = scopeName;
    this.provider = provider;
    this.suggestions = suggestions;
  }
}
