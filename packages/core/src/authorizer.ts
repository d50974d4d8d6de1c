import { createHash } from "node:crypto";
import { hasCode } from "@credstack/errors";
import { accountKey, type CredentialRecord, type CredentialStore } from "@credstack/storage";
import * as oauth from "oauth4webapi";
import { AuthorizationFailedError, CoreConfigError } from "./errors.js";
import { proveIdentity } from "./lib/identity-proof.js";
import { instrumentsOf, tokenEndpointCall } from "./lib/instruments.js";
import { clientAuthOf, clientOf, describeOAuthError, requestOptionsOf, serverOf } from "./lib/oauth.js";
import { scopePolicyFor } from "./lib/scope-policy.js";
import { isUnreadableRecord } from "./lib/store-errors.js";
import {
  checkProviderConfigs,
  type ProviderConfig,
  type ProviderConfigs,
  providerConfigOf,
} from "./provider-config.js";
import type { Refresher } from "./refresher.js";
import { instrumentStore, type TelemetryOptions } from "./telemetry.js";
import {
  type AuthorizationTransaction,
  memoryTransactionStore,
  type TransactionStore,
} from "./transaction-store.js";
import type { AuthorizationFlow, Clock } from "./types.js";

/** Options of {@link createAuthorizer}. */
export interface AuthorizerOptions extends TelemetryOptions {
  /** Where the credential is stored after the callback (its calls traced and timed: `instrumentStore`). */
  readonly store: CredentialStore;
  /** The providers, by slug. */
  readonly providers: ProviderConfigs;
  /** Pending transactions. @default memoryTransactionStore() */
  readonly transactions?: TransactionStore;
  /** How long a pending authorization stays valid. @default 600000 (10 min) */
  readonly transactionTtlMs?: number;
  /** The refresher whose cache learns about stored credentials. */
  readonly refresher?: Refresher;
  /** Clock. @default Date.now */
  readonly clock?: Clock;
  /** `fetch` for the token endpoint. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** What {@link Authorizer.begin} is asked. */
export interface BeginAuthorization {
  /** The provider. */
  readonly provider: string;
  /** The account, when known. */
  readonly account?: string;
  /** The identity asking. */
  readonly identityId?: string;
  /** The requested scopes (canonical). */
  readonly scopes: readonly string[];
  /** What the credential already holds (for incremental authorization). @default [] */
  readonly grantedScopes?: readonly string[];
}

/** The authorization URL(s) of one {@link Authorizer.begin}. */
export interface AuthorizationRequest {
  /** The minimal set of scopes missing. */
  readonly missingScopes: readonly string[];
  /** One flow, or more when scopes need separate flows (Google Photos). */
  readonly flows: readonly AuthorizationFlow[];
}

/** Starts authorization-code + PKCE flows and finishes them in the callback. */
export interface Authorizer {
  /** Stores a pending transaction per flow (shared by concurrent calls for the same key) and returns the URLs. */
  begin(request: BeginAuthorization): Promise<AuthorizationRequest>;
  /**
   * Finishes a flow: checks `iss` (RFC 9207) and `error`, exchanges the code with the PKCE verifier, takes
   * the transaction atomically (a replayed `state` fails), proves who signed in (`identityProof`: a flow
   * started for another account is refused), stores the credential (compare-and-set) and returns it. With
   * a transaction store offering `peek` and `claimCode`, nothing is consumed before the code is redeemed.
   * @throws AuthorizationFailedError (`ERR_AUTHORIZATION_FAILED`)
   */
  handleCallback(callback: string | URL | URLSearchParams): Promise<CredentialRecord>;
}

function paramsOf(callback: string | URL | URLSearchParams): URLSearchParams {
  if (callback instanceof URLSearchParams) return callback;
  if (callback instanceof URL) return callback.searchParams;
  const text = callback.trim();
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) return new URL(text).searchParams;
  return new URLSearchParams(text.startsWith("?") ? text.slice(1) : text);
}

/**
 * Creates the authorization fallback: PKCE S256 only, CSPRNG `state` and verifier, the transaction
 * stored (with a TTL) before the URL is returned. For Google, `access_type=offline` and
 * `include_granted_scopes=true`, and incremental URLs request only the missing scopes.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const { providers } = options;
  const store = instrumentStore(options.store, options);
  const instruments = instrumentsOf(options);
  checkProviderConfigs(providers);
  const clock = options.clock ?? Date.now;
  const ttl = options.transactionTtlMs ?? 600_000;
  if (!Number.isFinite(ttl) || ttl <= 0) throw new CoreConfigError("transactionTtlMs must be positive.");
  const transactions = options.transactions ?? memoryTransactionStore({ clock });
  /** Pending flows by (provider, account, scopes): concurrent fallbacks share one transaction. */
  const pending = new Map<string, Promise<AuthorizationFlow & { expiresAt: number }>>();

  async function startFlow(
    config: ProviderConfig,
    request: BeginAuthorization,
    flow: string,
    scopes: readonly string[],
  ): Promise<AuthorizationFlow & { expiresAt: number }> {
    const policy = scopePolicyFor(config.scopes ?? request.provider);
    const id = oauth.generateRandomState();
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const challenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
    const now = clock();
    const transaction: AuthorizationTransaction = {
      id,
      provider: request.provider,
      ...(request.account === undefined ? {} : { account: request.account }),
      ...(request.identityId === undefined ? {} : { identityId: request.identityId }),
      scopes: [...scopes],
      grantedScopes: [...(request.grantedScopes ?? [])],
      codeVerifier,
      redirectUri: config.redirectUri,
      createdAt: now,
      expiresAt: now + ttl,
    };
    await transactions.put(transaction);
    const url = new URL(config.authorization_endpoint);
    const params = url.searchParams;
    for (const [name, value] of Object.entries(config.authorizationParams ?? {})) params.set(name, value);
    params.set("response_type", "code");
    params.set("client_id", config.clientId);
    params.set("redirect_uri", config.redirectUri);
    params.set("scope", policy.format(scopes));
    params.set("state", id);
    params.set("code_challenge", challenge);
    params.set("code_challenge_method", "S256");
    if (policy.google) {
      params.set("access_type", "offline");
      params.set("include_granted_scopes", "true");
    }
    if (request.account !== undefined && !params.has("login_hint")) params.set("login_hint", request.account);
    return { flow, url: url.href, transactionId: id, scopes: [...scopes], expiresAt: transaction.expiresAt };
  }

  /**
   * The stored record, or `undefined`; a record that cannot be read (tampered, corrupt, sealed under a
   * key the ring lacks) is deleted: the user's new authorization replaces it.
   */
  async function readOrDropUnreadable(key: { provider: string; account: string }) {
    try {
      return await store.get(key);
    } catch (error) {
      if (!isUnreadableRecord(error)) throw error;
      await store.delete(key);
      return undefined;
    }
  }

  async function save(
    record: Omit<CredentialRecord, "version" | "createdAt" | "updatedAt" | "tokenType" | "scopes"> & {
      tokenType: string;
      scopes: readonly string[];
    },
  ): Promise<CredentialRecord> {
    for (let attempt = 0; ; attempt++) {
      const existing = await readOrDropUnreadable(record);
      // A response without refresh_token (Google, incremental) keeps the one already stored.
      const merged =
        record.refreshToken === undefined && existing?.refreshToken !== undefined
          ? { ...record, refreshToken: existing.refreshToken }
          : record;
      try {
        return await store.put(merged, { expectedVersion: existing?.version ?? 0 });
      } catch (error) {
        // A concurrent write of the same key: re-read and write again (the new tokens are ours to keep).
        if (!hasCode(error, "ERR_VERSION_CONFLICT") || attempt >= 2) throw error;
      }
    }
  }

  return {
    async begin(request) {
      const config = providerConfigOf(providers, request.provider);
      const policy = scopePolicyFor(config.scopes ?? request.provider);
      const granted = request.grantedScopes ?? [];
      const missingScopes = policy.missing(granted, request.scopes);
      // Google merges grants (include_granted_scopes): ask only for what is missing. Others replace the
      // grant, so the URL asks for everything the credential should hold afterwards.
      const toRequest = policy.incremental ? missingScopes : policy.minimize([...granted, ...request.scopes]);
      const flows = policy.flows(toRequest.length > 0 ? toRequest : [...request.scopes]);
      const account = request.account === undefined ? "" : accountKey(request.account);
      const started = await Promise.all(
        flows.map(({ flow, scopes }) => {
          const key = [request.provider, account, request.identityId ?? "", ...scopes].join("\u0000");
          const existing = pending.get(key);
          if (existing !== undefined) {
            return existing.then(async (found) => {
              // Still pending here, and (with a shared store) not completed by another process meanwhile.
              const live =
                found.expiresAt > clock() && (await (transactions.has?.(found.transactionId) ?? true));
              if (live) return found;
              if (pending.get(key) === existing) pending.delete(key);
              const fresh = startFlow(config, request, flow, scopes);
              pending.set(key, fresh);
              return fresh;
            });
          }
          const fresh = startFlow(config, request, flow, scopes);
          pending.set(key, fresh);
          fresh.catch(() => {
            if (pending.get(key) === fresh) pending.delete(key);
          });
          return fresh;
        }),
      );
      return {
        missingScopes,
        flows: started.map(({ flow, url, transactionId, scopes }) => ({ flow, url, transactionId, scopes })),
      };
    },

    async handleCallback(callback) {
      const params = paramsOf(callback);
      const state = params.get("state");
      // Validate first, consume last: with `peek`, a forged or failed callback leaves the flow usable.
      const deferTake = transactions.peek !== undefined && transactions.claimCode !== undefined;
      const transaction =
        state === null
          ? undefined
          : deferTake
            ? await transactions.peek?.(state)
            : await transactions.take(state);
      if (transaction === undefined) {
        throw new AuthorizationFailedError(
          "unknown_state",
          "No pending authorization matches this state: it was already used, has expired or was never issued.",
        );
      }
      const config = providerConfigOf(providers, transaction.provider);
      const server = serverOf(config);
      const client = clientOf(config);
      let validated: URLSearchParams;
      try {
        validated = oauth.validateAuthResponse(server, client, params, transaction.id);
      } catch (error) {
        if (error instanceof oauth.AuthorizationResponseError) {
          throw new AuthorizationFailedError(
            "provider_error",
            `The provider refused the authorization (${error.error.slice(0, 64)}).`,
            { cause: describeOAuthError(error) },
          );
        }
        throw new AuthorizationFailedError(
          "invalid_response",
          "The authorization response is invalid (issuer or state mismatch, or missing code).",
          { cause: describeOAuthError(error) },
        );
      }
      if (deferTake) {
        // One redemption per code, also across processes sharing the transaction store.
        const codeHash = createHash("sha256")
          .update(`${transaction.id}\u0000${validated.get("code") ?? ""}`)
          .digest("base64url");
        if (!(await transactions.claimCode?.(transaction.id, codeHash, transaction.expiresAt))) {
          throw new AuthorizationFailedError(
            "code_replayed",
            "This authorization code was already presented.",
          );
        }
      }
      let result: oauth.TokenEndpointResponse;
      try {
        const response = await tokenEndpointCall(
          instruments,
          transaction.provider,
          "authorization_code",
          () =>
            oauth.authorizationCodeGrantRequest(
              server,
              client,
              clientAuthOf(config),
              validated,
              transaction.redirectUri,
              transaction.codeVerifier,
              requestOptionsOf(config, options.fetch),
            ),
        );
        result = await oauth.processAuthorizationCodeResponse(server, client, response);
      } catch (error) {
        throw new AuthorizationFailedError("exchange_failed", "The token endpoint did not accept the code.", {
          cause: describeOAuthError(error),
        });
      }
      // The code is redeemed: the flow ends here, whatever the identity check says.
      if (deferTake && (await transactions.take(transaction.id)) === undefined) {
        throw new AuthorizationFailedError(
          "unknown_state",
          "No pending authorization matches this state: it was already used, has expired or was never issued.",
        );
      }
      for (const [key, flight] of pending) {
        flight.then((found) => found.transactionId === transaction.id && pending.delete(key)).catch(() => {});
      }
      const proven = await proveIdentity(config, result, options.fetch ?? globalThis.fetch);
      const signedIn = proven.account;
      const account = transaction.account ?? signedIn;
      if (account === undefined) {
        throw new AuthorizationFailedError(
          "account_unknown",
          "The account could not be determined: request openid (an ID token) or start the flow for an account.",
        );
      }
      if (
        signedIn !== undefined &&
        transaction.account !== undefined &&
        accountKey(signedIn) !== accountKey(account)
      ) {
        throw new AuthorizationFailedError(
          "account_mismatch",
          "The user signed in with another account than the one the authorization was started for.",
        );
      }
      const policy = scopePolicyFor(config.scopes ?? transaction.provider);
      const scopes =
        typeof result.scope === "string"
          ? policy.parse(result.scope)
          : policy.incremental
            ? policy.minimize([...transaction.grantedScopes, ...transaction.scopes])
            : [...transaction.scopes];
      const now = clock();
      const record = {
        provider: transaction.provider,
        account,
        accessToken: result.access_token,
        tokenType: result.token_type.toLowerCase() === "bearer" ? "Bearer" : result.token_type,
        scopes,
        issuer: config.issuer,
        clientId: config.clientId,
        ...(result.refresh_token === undefined ? {} : { refreshToken: result.refresh_token }),
        ...(result.id_token === undefined ? {} : { idToken: result.id_token }),
        ...(typeof result.expires_in === "number" ? { expiresAt: now + result.expires_in * 1000 } : {}),
      };
      const saved = await save(record);
      options.refresher?.remember(saved, saved);
      return saved;
    },
  };
}
