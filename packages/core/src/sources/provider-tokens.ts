import { accountKey, type CredentialKey } from "@credstack/storage";
import { notApplicable, resolved, type Source } from "../source.js";

/** A token an identity-provider integration holds in memory (e.g. from a social login). */
export interface ProviderToken {
  /** The access token (secret). */
  readonly accessToken: string;
  /** When it expires, epoch ms. */
  readonly expiresAt?: number;
  /** Its scopes, as the provider names them. */
  readonly scopes: readonly string[];
}

/** Where {@link providerTokens} looks tokens up: by provider and (verified) account. */
export interface ProviderTokenLookup {
  /** The token held for `key`, if any. */
  get(key: CredentialKey): ProviderToken | undefined | Promise<ProviderToken | undefined>;
}

/** An in-memory {@link ProviderTokenLookup} your identity-provider integration fills. */
export interface MemoryProviderTokens extends ProviderTokenLookup {
  /** Holds `token` for `key` (replacing any). */
  set(key: CredentialKey, token: ProviderToken): void;
  /** Drops the token of `key`. */
  delete(key: CredentialKey): boolean;
}

/** Creates a {@link MemoryProviderTokens}. */
export function memoryProviderTokens(): MemoryProviderTokens {
  const tokens = new Map<string, ProviderToken>();
  const slot = (key: CredentialKey) => `${key.provider}\u0000${accountKey(key.account)}`;
  return {
    get: (key) => tokens.get(slot(key)),
    set: (key, token) => void tokens.set(slot(key), token),
    delete: (key) => tokens.delete(slot(key)),
  };
}

/**
 * The provider-tokens source: tokens an identity provider integration keeps in memory, looked up by
 * provider and the verified account. Expired tokens and tokens that do not cover the scopes are not
 * applicable.
 */
export function providerTokens(lookup: ProviderTokenLookup): Source {
  return {
    name: "providerTokens",
    async resolve(context) {
      if (context.account === undefined) return notApplicable("no verified account to look up");
      const token = await lookup.get({ provider: context.provider, account: context.account });
      if (token === undefined) return notApplicable("no in-memory provider token");
      if (token.expiresAt !== undefined && token.expiresAt <= context.clock()) {
        return notApplicable("the in-memory provider token has expired");
      }
      if (!context.scopePolicy.covers(token.scopes, context.scopes)) {
        return notApplicable("the in-memory provider token lacks requested scopes");
      }
      return resolved({
        kind: "token",
        accessToken: token.accessToken,
        ...(token.expiresAt === undefined ? {} : { expiresAt: token.expiresAt }),
        scopes: token.scopes,
        account: context.account,
      });
    },
  };
}
