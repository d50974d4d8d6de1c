import type { AddClientAuthentication } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed } from "@modelcontextprotocol/sdk/shared/auth.js";
import { McpConfigError } from "../errors.js";

/**
 * A confidential client authenticating with its secret (`client_secret_basic` or `client_secret_post`).
 */
export interface ClientSecretCredentials {
  /** The client id the authorization server registered. */
  readonly clientId: string;
  /** The client secret (kept out of every log and error message). */
  readonly clientSecret: string;
  /**
   * How the secret is sent to the token endpoint.
   * @default the first of `client_secret_basic`, `client_secret_post` the authorization server supports
   */
  readonly method?: "client_secret_basic" | "client_secret_post";
}

/** A client authenticating with a JWT assertion signed by its private key (`private_key_jwt`, RFC 7523). */
export interface PrivateKeyJwtCredentials {
  /** The client id the authorization server registered (also the assertion's `iss` and `sub`). */
  readonly clientId: string;
  /** The signing key: a PKCS#8 PEM string, PKCS#8 bytes, or a private JWK. */
  readonly privateKey: string | Uint8Array | Record<string, unknown>;
  /** The JWS algorithm, e.g. `ES256`, `RS256` (RS*, PS*, ES*). */
  readonly algorithm: string;
  /** Lifetime of each assertion, in seconds. @default 300 */
  readonly assertionLifetimeSec?: number;
}

/** Machine-to-machine credentials: the client-credentials grant instead of an interactive authorization. */
export type ClientCredentials = ClientSecretCredentials | PrivateKeyJwtCredentials;

/** What a client-credentials provider adds to the SDK's `OAuthClientProvider`. @internal */
export interface ClientCredentialsParts {
  /** The configured client, stamped with the bound issuer when there is one. */
  readonly information: OAuthClientInformationMixed;
  /** The SDK's hook for a non-interactive grant. */
  prepareTokenRequest(scope?: string): URLSearchParams;
  /** Signs a fresh assertion per token request (`private_key_jwt` only). */
  readonly addClientAuthentication?: AddClientAuthentication;
}

const algorithms = /^(?:RS|PS|ES)(?:256|384|512)$/;

function nonEmpty(value: unknown): value is string {
  return typeof value === "string" && value.length > 0;
}

/**
 * Checks client credentials and builds the provider parts for them. The `private_key_jwt` assertion is
 * made by the SDK's own `createPrivateKeyJwtAuth` (loaded on first use). @internal
 */
export function clientCredentialsParts(
  credentials: ClientCredentials,
  issuer: string | undefined,
): ClientCredentialsParts {
  const fail = (what: string) => new McpConfigError(`storeOAuthClientProvider: clientCredentials.${what}`);
  if (typeof credentials !== "object" || credentials === null) throw fail("must be an object.");
  if (!nonEmpty(credentials.clientId)) throw fail("clientId must be a non-empty string.");
  const stamp = issuer === undefined ? {} : { issuer };
  const prepareTokenRequest = (scope?: string) => {
    const params = new URLSearchParams({ grant_type: "client_credentials" });
    if (scope !== undefined && scope.length > 0) params.set("scope", scope);
    return params;
  };
  if ("privateKey" in credentials) {
    const { privateKey, algorithm } = credentials;
    const lifetime = credentials.assertionLifetimeSec ?? 300;
    if (!(nonEmpty(privateKey) || privateKey instanceof Uint8Array || typeof privateKey === "object")) {
      throw fail("privateKey must be a PEM string, PKCS#8 bytes or a JWK.");
    }
    if (!nonEmpty(algorithm) || !algorithms.test(algorithm)) {
      throw fail("algorithm must be an RS*, PS* or ES* JWS algorithm.");
    }
    if (!Number.isInteger(lifetime) || lifetime <= 0 || lifetime > 3600) {
      throw fail("assertionLifetimeSec must be a whole number of seconds in 1..3600.");
    }
    let sign: AddClientAuthentication | undefined;
    return {
      information: { client_id: credentials.clientId, ...stamp },
      prepareTokenRequest,
      async addClientAuthentication(headers, params, url, metadata) {
        if (sign === undefined) {
          const { createPrivateKeyJwtAuth } = await import(
            "@modelcontextprotocol/sdk/client/auth-extensions.js"
          );
          sign = createPrivateKeyJwtAuth({
            issuer: credentials.clientId,
            subject: credentials.clientId,
            privateKey,
            alg: algorithm,
            lifetimeSeconds: lifetime,
          });
        }
        await sign(headers, params, url, metadata);
      },
    };
  }
  const { clientSecret, method } = credentials;
  if (!nonEmpty(clientSecret)) throw fail("clientSecret must be a non-empty string.");
  if (method !== undefined && method !== "client_secret_basic" && method !== "client_secret_post") {
    throw fail("method must be client_secret_basic or client_secret_post.");
  }
  return {
    information: {
      client_id: credentials.clientId,
      client_secret: clientSecret,
      ...(method === undefined ? {} : { token_endpoint_auth_method: method }),
      ...stamp,
    },
    prepareTokenRequest,
  };
}
