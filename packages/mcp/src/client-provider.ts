import type { CredentialKey, CredentialRecord, CredentialStore } from "@credstack/storage";
import type { OAuthClientProvider, OAuthDiscoveryState } from "@modelcontextprotocol/sdk/client/auth.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { IssuerMismatchError, McpConfigError, MissingCodeVerifierError } from "./errors.js";
import { type ClientCredentials, clientCredentialsParts } from "./lib/client-credentials.js";
import { issuerKey, sameIssuer } from "./lib/issuer.js";
import { definedOnly, deleteSlot, objectOf, writeSlot } from "./lib/slots.js";

/** The provider slugs the client side stores under, one per role. */
export const clientSlots = {
  /** Client information (dynamic registration result or pre-registered client; secret sealed). */
  client: "mcp-client",
  /** The OAuth tokens for the MCP server (sealed). */
  tokens: "mcp-tokens",
  /** The PKCE code verifier of the authorization in progress (sealed, expires). */
  verifier: "mcp-verifier",
  /** The discovery state (protected resource and authorization server metadata). */
  discovery: "mcp-discovery",
} as const;

/** Options of {@link storeOAuthClientProvider}. */
export interface StoreOAuthClientProviderOptions {
  /** Any credstack store; give it a cipher so tokens and client secrets are sealed at rest. */
  readonly store: CredentialStore;
  /** The MCP server the credentials are for (part of every key). */
  readonly serverUrl: string | URL;
  /**
   * Bind the provider to this authorization server: credentials the SDK obtains from any other are
   * refused with `IssuerMismatchError`, and discovery pointing elsewhere fails before anything is sent.
   * @default the authorization server discovery finds (credentials are still keyed by it)
   */
  readonly issuer?: string;
  /**
   * Where the authorization server sends the user back (interactive authorization code grant). Leave it
   * out with `clientCredentials`. @default undefined
   */
  readonly redirectUrl?: string | URL;
  /**
   * Machine-to-machine credentials: with them the provider obtains its tokens with the client-credentials
   * grant (`client_secret_basic`, `client_secret_post` or `private_key_jwt`), keeps them in the store like
   * interactive ones, and obtains a new token once the stored one has expired (or the server answers `401`). The scope
   * requested is `clientMetadata.scope`. Set `issuer` too, so the credentials are only ever presented to
   * that authorization server. Excludes `redirectUrl`, `clientInformation` and `clientMetadataUrl`. Needs
   * `@modelcontextprotocol/sdk` >= 1.24 (the `prepareTokenRequest` hook).
   * @default undefined (interactive)
   */
  readonly clientCredentials?: ClientCredentials;
  /** The client metadata sent at dynamic registration. */
  readonly clientMetadata: OAuthClientMetadata;
  /** A URL-based client id (client ID metadata document), when the client has one. @default undefined */
  readonly clientMetadataUrl?: string;
  /** A pre-registered client, used while no registration is stored. @default undefined (dynamic registration) */
  readonly clientInformation?: OAuthClientInformationMixed;
  /**
   * Called with the authorization URL the user must open (print it, open a browser, send it to the UI).
   * @default throws — a provider without it cannot start an interactive authorization
   */
  readonly onAuthorizationUrl?: (url: URL) => void | Promise<void>;
  /** Separates several users of one client application (part of every key). @default "default" */
  readonly session?: string;
  /** How long a saved PKCE code verifier stays usable, in ms. @default 600000 (10 min) */
  readonly verifierTtlMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly clock?: () => number;
}

/** The SDK's `OAuthClientProvider`, with every optional method implemented. */
export type StoreOAuthClientProvider = OAuthClientProvider &
  Required<Pick<OAuthClientProvider, "saveClientInformation" | "invalidateCredentials">> &
  Required<Pick<OAuthClientProvider, "saveDiscoveryState" | "discoveryState">>;

function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const tokenFields = new Set([
  "access_token",
  "refresh_token",
  "id_token",
  "token_type",
  "expires_in",
  "scope",
  "issuer",
]);

/**
 * An MCP client `OAuthClientProvider` that keeps its tokens, client information, PKCE code verifier and
 * discovery state in any credstack store. Each role has its own provider slug ({@link clientSlots}); the
 * account is `session|serverUrl|issuer`, so credentials of one authorization server are never read back
 * for another. Secrets (tokens, client secret, verifier) live in sealed fields and metadata.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
 * declare const store: CredentialStore;
 * const provider = storeOAuthClientProvider({
 *   store, serverUrl: "https://mcp.example/mcp", redirectUrl: "http://127.0.0.1:8765/callback",
 *   clientMetadata: { client_name: "my agent", redirect_uris: ["http://127.0.0.1:8765/callback"] },
 *   onAuthorizationUrl: (url) => console.log(`Open ${url}`),
 * });
 * const transport = new StreamableHTTPClientTransport(new URL("https://mcp.example/mcp"), { authProvider: provider });
 * ```
 */
export function storeOAuthClientProvider(options: StoreOAuthClientProviderOptions): StoreOAuthClientProvider {
  const { store } = options;
  if (store === undefined || typeof store.get !== "function") {
    throw new McpConfigError("storeOAuthClientProvider: store must be a CredentialStore.");
  }
  let server: string;
  try {
    server = new URL(options.serverUrl).href;
  } catch {
    throw new McpConfigError("storeOAuthClientProvider: serverUrl must be an absolute URL.");
  }
  const session = options.session ?? "default";
  if (session.length === 0 || session.includes("|")) {
    throw new McpConfigError("storeOAuthClientProvider: session must be non-empty and free of '|'.");
  }
  const bound = options.issuer === undefined ? undefined : issuerKey(options.issuer);
  const verifierTtl = options.verifierTtlMs ?? 600_000;
  if (!Number.isFinite(verifierTtl) || verifierTtl <= 0) {
    throw new McpConfigError("storeOAuthClientProvider: verifierTtlMs must be positive.");
  }
  const clock = options.clock ?? Date.now;
  const machine = machineParts(options);
  const discoveryKey: CredentialKey = { provider: clientSlots.discovery, account: `${session}|${server}` };
  const keyOf = (role: "client" | "tokens" | "verifier", issuer: string): CredentialKey => ({
    provider: clientSlots[role],
    account: `${session}|${server}|${issuer}`,
  });

  /** The authorization server in use: the bound one, else the one discovery found. */
  async function currentIssuer(): Promise<string | undefined> {
    if (bound !== undefined) return bound;
    return (await store.get(discoveryKey))?.issuer;
  }

  /** The issuer credentials stamped `stamp` are kept under; refuses another than the bound one. */
  async function issuerFor(stamp: string | undefined): Promise<string> {
    if (stamp !== undefined && bound !== undefined && !sameIssuer(stamp, bound)) {
      throw new IssuerMismatchError(bound, stamp);
    }
    return stamp === undefined ? ((await currentIssuer()) ?? "") : issuerKey(stamp);
  }

  async function read(role: "client" | "tokens" | "verifier"): Promise<CredentialRecord | undefined> {
    const issuer = await currentIssuer();
    return issuer === undefined ? undefined : store.get(keyOf(role, issuer));
  }

  async function drop(role: "client" | "tokens" | "verifier"): Promise<void> {
    const issuer = await currentIssuer();
    if (issuer !== undefined) await deleteSlot(store, keyOf(role, issuer));
  }

  const provider: StoreOAuthClientProvider = {
    get redirectUrl() {
      return options.redirectUrl;
    },
    get clientMetadata() {
      return options.clientMetadata;
    },
    ...(options.clientMetadataUrl === undefined ? {} : { clientMetadataUrl: options.clientMetadataUrl }),

    ...(machine === undefined
      ? {}
      : {
          prepareTokenRequest: machine.prepareTokenRequest,
          ...(machine.addClientAuthentication === undefined
            ? {}
            : { addClientAuthentication: machine.addClientAuthentication }),
        }),

    async clientInformation() {
      // Configured machine credentials always win over a stored copy (a rotated secret takes effect).
      if (machine !== undefined) return machine.information;
      const record = await read("client");
      const stored = objectOf(record?.metadata?.client);
      if (stored !== undefined) return stored as OAuthClientInformationMixed;
      return options.clientInformation;
    },

    async saveClientInformation(information) {
      const issuer = await issuerFor(information.issuer);
      await writeSlot(store, keyOf("client", issuer), () => ({
        clientId: information.client_id,
        issuer,
        metadata: { client: asJson(information) },
      }));
    },

    async tokens() {
      const record = await read("tokens");
      if (record?.accessToken === undefined) return undefined;
      // A machine client has no refresh token to keep: an expired token reads as none, so the SDK
      // obtains a new one instead of sending a token the server will refuse.
      if (machine !== undefined && record.expiresAt !== undefined && record.expiresAt <= clock()) {
        return undefined;
      }
      const extra = objectOf(record.metadata?.extra) ?? {};
      const tokens: Record<string, unknown> = {
        ...extra,
        access_token: record.accessToken,
        token_type: record.tokenType,
        ...definedOnly({
          refresh_token: record.refreshToken,
          id_token: record.idToken,
          scope: record.scopes.length > 0 ? record.scopes.join(" ") : undefined,
          expires_in:
            record.expiresAt === undefined
              ? undefined
              : Math.max(0, Math.floor((record.expiresAt - clock()) / 1000)),
          issuer: record.issuer,
        }),
      };
      return tokens as OAuthTokens;
    },

    async saveTokens(tokens) {
      const issuer = await issuerFor(tokens.issuer);
      const extra: Record<string, unknown> = {};
      for (const [field, value] of Object.entries(tokens)) {
        if (!tokenFields.has(field) && value !== undefined) extra[field] = value;
      }
      const now = clock();
      await writeSlot(store, keyOf("tokens", issuer), () =>
        definedOnly({
          accessToken: tokens.access_token,
          refreshToken: tokens.refresh_token,
          idToken: tokens.id_token,
          tokenType: tokens.token_type || "Bearer",
          scopes: (tokens.scope ?? "").split(" ").filter((scope) => scope.length > 0),
          expiresAt: typeof tokens.expires_in === "number" ? now + tokens.expires_in * 1000 : undefined,
          issuer,
          metadata: Object.keys(extra).length > 0 ? { extra: asJson(extra) } : undefined,
        }),
      );
    },

    async redirectToAuthorization(url) {
      if (machine !== undefined) {
        throw new McpConfigError("A client-credentials provider never starts an interactive authorization.");
      }
      if (options.onAuthorizationUrl === undefined) {
        throw new McpConfigError(
          "The MCP server requires authorization, and this provider has no onAuthorizationUrl to send the user to.",
        );
      }
      await options.onAuthorizationUrl(url);
    },

    async saveCodeVerifier(codeVerifier) {
      const issuer = await issuerFor(undefined);
      await writeSlot(store, keyOf("verifier", issuer), () => ({
        expiresAt: clock() + verifierTtl,
        issuer,
        metadata: { codeVerifier },
      }));
    },

    async codeVerifier() {
      const record = await read("verifier");
      const verifier = record?.metadata?.codeVerifier;
      if (typeof verifier !== "string" || (record?.expiresAt ?? 0) <= clock()) {
        throw new MissingCodeVerifierError(
          "No PKCE code verifier is stored for this authorization (never started, expired or invalidated).",
        );
      }
      return verifier;
    },

    async saveDiscoveryState(state) {
      const issuer = issuerKey(state.authorizationServerUrl);
      if (bound !== undefined && issuer !== bound) throw new IssuerMismatchError(bound, issuer);
      await writeSlot(store, discoveryKey, () => ({ issuer, metadata: { discovery: asJson(state) } }));
    },

    async discoveryState() {
      const record = await store.get(discoveryKey);
      const state = objectOf(record?.metadata?.discovery);
      return state === undefined ? undefined : (state as unknown as OAuthDiscoveryState);
    },

    async invalidateCredentials(scope) {
      if (scope === "all" || scope === "client") await drop("client");
      if (scope === "all" || scope === "tokens") await drop("tokens");
      if (scope === "all" || scope === "verifier") await drop("verifier");
      if (scope === "all" || scope === "discovery") await deleteSlot(store, discoveryKey);
    },
  };
  return provider;
}

/** The client-credentials parts of a provider, checked against the interactive options; `undefined` if none. */
function machineParts(options: StoreOAuthClientProviderOptions) {
  if (options.clientCredentials === undefined) return undefined;
  for (const interactive of ["redirectUrl", "clientInformation", "clientMetadataUrl"] as const) {
    if (options[interactive] !== undefined) {
      throw new McpConfigError(`storeOAuthClientProvider: clientCredentials excludes ${interactive}.`);
    }
  }
  return clientCredentialsParts(options.clientCredentials, options.issuer);
}
