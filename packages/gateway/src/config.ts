import { readFile } from "node:fs/promises";
import { z } from "zod";
import { GatewayConfigError } from "./errors.js";
import type { GatewayOptions, GatewayProvider } from "./gateway.js";
import type { ApiKeyEntry } from "./lib/api-keys.js";
import { presetOf } from "./lib/presets.js";
import { issuesOf } from "./lib/schemas.js";

/** A value in the config file: a literal string, or `{ "env": "NAME" }` read from the environment. */
const secretRef = z.union([
  z.string().min(1),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
]);

const providerEntry = z.strictObject({
  preset: z.enum(["google", "microsoft", "github"]).optional(),
  tenant: z
    .string()
    .regex(/^[A-Za-z0-9.-]{1,64}$/)
    .optional(),
  issuer: z.url().optional(),
  authorization_endpoint: z.url().optional(),
  token_endpoint: z.url().optional(),
  revocation_endpoint: z.url().optional(),
  clientId: secretRef,
  clientSecret: secretRef.optional(),
  clientAuthMethod: z.enum(["client_secret_basic", "client_secret_post", "none"]).optional(),
  redirectUri: z.url().optional(),
  scopes: z.enum(["google", "microsoft", "github", "slack", "plain"]).optional(),
  defaultScopes: z.array(z.string().min(1)).max(64).optional(),
  authorizationParams: z.record(z.string(), z.string()).optional(),
  accountClaim: z.string().min(1).optional(),
  idTokenSigningAlg: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().optional(),
  allowInsecureRequests: z.boolean().optional(),
  identityProof: z
    .discriminatedUnion("method", [
      z.strictObject({ method: z.literal("id_token") }),
      z.strictObject({ method: z.literal("github"), apiUrl: z.url().optional() }),
      z.strictObject({ method: z.literal("microsoft_graph"), url: z.url().optional() }),
      z.strictObject({ method: z.literal("userinfo"), url: z.url() }),
      z.strictObject({ method: z.literal("none") }),
    ])
    .optional(),
});

/** One API key entry (config file, and the keys file `credstack gateway-key` writes). */
export const apiKeyEntry = z.strictObject({
  id: z.string(),
  hash: z.string(),
  mode: z.enum(["delegated", "service", "unrestricted"]),
  providers: z.array(z.string().min(1)).max(256).optional(),
  accounts: z.array(z.string().min(1).max(1024)).max(1024).optional(),
  rateLimit: z.number().int().positive().optional(),
  createdAt: z.string().optional(),
});

/** The zod schema of the gateway's JSON config file (see docs/gateway.md, "Config file"). */
export const gatewayConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  publicUrl: z.url().optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  store: z.string().min(1).optional(),
  providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/), providerEntry).default({}),
  apiKeys: z.array(apiKeyEntry).default([]),
  apiKeysFile: z.string().min(1).optional(),
  delegation: z
    .strictObject({
      issuer: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      jwksUrl: z.url(),
      algorithms: z.array(z.string().min(1)).min(1).optional(),
      accountClaim: z.string().min(1).optional(),
      clockToleranceSec: z.number().int().min(0).max(60).optional(),
    })
    .optional(),
  failedAuthLimit: z
    .strictObject({
      max: z.number().int().positive().optional(),
      windowMs: z.number().int().positive().optional(),
    })
    .optional(),
  maxPendingPerKey: z.number().int().positive().optional(),
  audit: z
    .strictObject({ clearAccounts: z.boolean().optional(), pseudonymKey: secretRef.optional() })
    .optional(),
  rateLimit: z
    .strictObject({
      max: z.number().int().positive().optional(),
      timeWindowMs: z.number().int().positive().optional(),
      redis: secretRef.optional(),
    })
    .optional(),
  refresh: z
    .strictObject({
      cooldownMs: z.number().int().nonnegative().optional(),
      leaseTtlMs: z.number().int().positive().optional(),
      leaseWaitMs: z.number().int().nonnegative().optional(),
      maxWindowMs: z.number().int().nonnegative().optional(),
      cacheMs: z.number().int().nonnegative().optional(),
      cacheEntries: z.number().int().positive().optional(),
    })
    .optional(),
  authorizationTtlMs: z.number().int().positive().optional(),
  corsOrigins: z.array(z.url()).optional(),
  trustProxy: z.boolean().optional(),
  metrics: z
    .strictObject({
      host: z.string().min(1).optional(),
      port: z.number().int().min(0).max(65535).optional(),
    })
    .optional(),
});

/** The parsed config file. */
export type GatewayConfig = z.output<typeof gatewayConfigSchema>;

/** What {@link resolveGatewayConfig} produces: the parts of {@link GatewayOptions} a config describes. */
export interface ResolvedGatewayConfig {
  readonly providers: Record<string, GatewayProvider>;
  readonly apiKeys: readonly ApiKeyEntry[];
  readonly publicUrl: string;
  readonly host: string;
  readonly port: number;
  /** The store URI: `CREDSTACK_STORE`, else the file's `store`, else `file:.credstack`. */
  readonly store: string;
  /** Redis URL for shared rate-limit counters, if configured. */
  readonly rateLimitRedis: string | undefined;
  /** The API keys file to read besides `apiKeys` (`apiKeysFile`, or `CREDSTACK_GATEWAY_API_KEYS_FILE`). */
  readonly apiKeysFile: string | undefined;
  readonly options: Pick<
    GatewayOptions,
    | "rateLimit"
    | "refresh"
    | "authorizationTtlMs"
    | "corsOrigins"
    | "trustProxy"
    | "delegation"
    | "failedAuthLimit"
    | "maxPendingPerKey"
    | "audit"
    | "metrics"
  >;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Drops `undefined` fields (options are exact). */
function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as never;
}

/**
 * Parses and checks a config file's JSON text.
 * @throws GatewayConfigError listing the invalid fields (never their values).
 */
export function parseGatewayConfig(text: string, source = "config"): GatewayConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GatewayConfigError(`${source} is not valid JSON.`, { cause: error });
  }
  const result = gatewayConfigSchema.safeParse(json);
  if (!result.success) {
    throw new GatewayConfigError(
      `${source} is invalid: ${issuesOf(result.error, { file: source }).join("; ")}`,
    );
  }
  return result.data;
}

/** Reads and parses the config file at `path`. @throws GatewayConfigError */
export async function loadGatewayConfig(path: string): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new GatewayConfigError(`Cannot read the gateway config file ${path}.`, { cause: error });
  }
  return parseGatewayConfig(text, path);
}

function readValue(ref: z.infer<typeof secretRef>, env: Env, field: string): string {
  if (typeof ref === "string") return ref;
  const value = env[ref.env];
  if (value === undefined || value.trim() === "") {
    throw new GatewayConfigError(`${field} names the environment variable ${ref.env}, which is not set.`);
  }
  return value.trim();
}

/** Providers enabled by environment alone (no config file): `GOOGLE_CLIENT_ID`, `MICROSOFT_CLIENT_ID`, `GITHUB_CLIENT_ID`. */
function providersFromEnv(env: Env): GatewayConfig["providers"] {
  const found: GatewayConfig["providers"] = {};
  for (const name of ["google", "microsoft", "github"] as const) {
    const prefix = name.toUpperCase();
    if (env[`${prefix}_CLIENT_ID`] === undefined) continue;
    found[name] = {
      preset: name,
      clientId: { env: `${prefix}_CLIENT_ID` },
      ...(env[`${prefix}_CLIENT_SECRET`] === undefined
        ? {}
        : { clientSecret: { env: `${prefix}_CLIENT_SECRET` } }),
      ...(name === "microsoft" && env.MICROSOFT_TENANT !== undefined ? { tenant: env.MICROSOFT_TENANT } : {}),
    };
  }
  return found;
}

/**
 * Turns a parsed config and the environment into gateway options: presets expanded, `{ "env": … }`
 * references read, each provider's `redirectUri` defaulting to `<publicUrl>/auth/callback/<slug>`.
 * Environment: `CREDSTACK_STORE`, `CREDSTACK_GATEWAY_HOST`, `CREDSTACK_GATEWAY_PORT`,
 * `CREDSTACK_GATEWAY_PUBLIC_URL`, `CREDSTACK_GATEWAY_METRICS_PORT` (turns the metrics listener on),
 * `CREDSTACK_GATEWAY_API_KEYS` (`id:delegated:sha256:<hex>` or
 * `id:unrestricted:sha256:<hex>` entries, comma-separated), `CREDSTACK_GATEWAY_API_KEYS_FILE`,
 * and, when the config has no providers, `GOOGLE_CLIENT_ID`/`_SECRET`, `MICROSOFT_CLIENT_ID`/`_SECRET`
 * (+ `MICROSOFT_TENANT`), `GITHUB_CLIENT_ID`/`_SECRET`.
 * @throws GatewayConfigError
 */
export function resolveGatewayConfig(config: GatewayConfig, env: Env = process.env): ResolvedGatewayConfig {
  const host = env.CREDSTACK_GATEWAY_HOST ?? config.host ?? "127.0.0.1";
  const portText = env.CREDSTACK_GATEWAY_PORT;
  const port = portText === undefined ? (config.port ?? 8787) : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new GatewayConfigError("CREDSTACK_GATEWAY_PORT must be a port number.");
  }
  const publicUrl = (
    env.CREDSTACK_GATEWAY_PUBLIC_URL ??
    config.publicUrl ??
    `http://${host}:${port}`
  ).replace(/\/+$/, "");
  const entries = Object.keys(config.providers).length > 0 ? config.providers : providersFromEnv(env);
  const providers: Record<string, GatewayProvider> = {};
  for (const [slug, entry] of Object.entries(entries)) {
    const field = (name: string) => `providers.${slug}.${name}`;
    const preset = entry.preset === undefined ? undefined : presetOf(entry.preset, entry.tenant);
    const endpoint = (name: "issuer" | "authorization_endpoint" | "token_endpoint"): string => {
      const value = entry[name] ?? preset?.[name];
      if (value === undefined) throw new GatewayConfigError(`${field(name)} is required without a preset.`);
      return value;
    };
    const revocation = entry.revocation_endpoint ?? preset?.revocation_endpoint;
    const authorizationParams = { ...preset?.authorizationParams, ...entry.authorizationParams };
    const clientAuthMethod =
      entry.clientAuthMethod ?? (entry.clientSecret === undefined ? undefined : preset?.clientAuthMethod);
    const scopes = entry.scopes ?? preset?.scopes;
    const identityProof = (
      entry.identityProof === undefined ? preset?.identityProof : definedOnly(entry.identityProof)
    ) as GatewayProvider["identityProof"];
    providers[slug] = {
      issuer: endpoint("issuer"),
      authorization_endpoint: endpoint("authorization_endpoint"),
      token_endpoint: endpoint("token_endpoint"),
      ...(revocation === undefined ? {} : { revocation_endpoint: revocation }),
      clientId: readValue(entry.clientId, env, field("clientId")),
      ...(entry.clientSecret === undefined
        ? {}
        : { clientSecret: readValue(entry.clientSecret, env, field("clientSecret")) }),
      ...(clientAuthMethod === undefined ? {} : { clientAuthMethod }),
      redirectUri: entry.redirectUri ?? `${publicUrl}/auth/callback/${slug}`,
      ...(scopes === undefined ? {} : { scopes }),
      ...(entry.defaultScopes === undefined ? {} : { defaultScopes: entry.defaultScopes }),
      ...(Object.keys(authorizationParams).length === 0 ? {} : { authorizationParams }),
      ...(entry.accountClaim === undefined ? {} : { accountClaim: entry.accountClaim }),
      ...(entry.idTokenSigningAlg === undefined ? {} : { idTokenSigningAlg: entry.idTokenSigningAlg }),
      ...(entry.timeoutMs === undefined ? {} : { timeoutMs: entry.timeoutMs }),
      ...(entry.allowInsecureRequests === undefined
        ? {}
        : { allowInsecureRequests: entry.allowInsecureRequests }),
      ...(identityProof === undefined ? {} : { identityProof }),
    };
  }
  const apiKeys: ApiKeyEntry[] = config.apiKeys.map(apiKeyOf);
  for (const item of (env.CREDSTACK_GATEWAY_API_KEYS ?? "")
    .split(",")
    .map((text) => text.trim())
    .filter(Boolean)) {
    const match = /^([^:]+):(delegated|unrestricted):(sha256:.*)$/.exec(item);
    if (match === null) {
      throw new GatewayConfigError(
        "CREDSTACK_GATEWAY_API_KEYS entries are id:delegated:sha256:<hex> or id:unrestricted:sha256:<hex> (service keys need the config file).",
      );
    }
    apiKeys.push({
      id: match[1] as string,
      mode: match[2] as "delegated" | "unrestricted",
      hash: match[3] as string,
    });
  }
  const delegation = config.delegation;
  const rateLimit = config.rateLimit;
  const metricsPortText = env.CREDSTACK_GATEWAY_METRICS_PORT;
  const metricsPort = metricsPortText === undefined ? config.metrics?.port : Number(metricsPortText);
  if (
    metricsPort !== undefined &&
    (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65535)
  ) {
    throw new GatewayConfigError("CREDSTACK_GATEWAY_METRICS_PORT must be a port number.");
  }
  const metrics =
    config.metrics === undefined && metricsPort === undefined
      ? undefined
      : definedOnly({ host: config.metrics?.host, port: metricsPort });
  return {
    providers,
    apiKeys,
    publicUrl,
    host,
    port,
    store: env.CREDSTACK_STORE ?? config.store ?? "file:.credstack",
    apiKeysFile: env.CREDSTACK_GATEWAY_API_KEYS_FILE ?? config.apiKeysFile,
    rateLimitRedis:
      rateLimit?.redis === undefined ? undefined : readValue(rateLimit.redis, env, "rateLimit.redis"),
    options: {
      ...(rateLimit === undefined
        ? {}
        : {
            rateLimit: {
              ...(rateLimit.max === undefined ? {} : { max: rateLimit.max }),
              ...(rateLimit.timeWindowMs === undefined ? {} : { timeWindowMs: rateLimit.timeWindowMs }),
            },
          }),
      ...(config.refresh === undefined ? {} : { refresh: definedOnly(config.refresh) }),
      ...(config.authorizationTtlMs === undefined ? {} : { authorizationTtlMs: config.authorizationTtlMs }),
      ...(config.corsOrigins === undefined ? {} : { corsOrigins: config.corsOrigins }),
      ...(config.trustProxy === undefined ? {} : { trustProxy: config.trustProxy }),
      ...(delegation === undefined ? {} : { delegation: { bearer: definedOnly(delegation) } }),
      ...(config.failedAuthLimit === undefined
        ? {}
        : { failedAuthLimit: definedOnly(config.failedAuthLimit) }),
      ...(config.maxPendingPerKey === undefined ? {} : { maxPendingPerKey: config.maxPendingPerKey }),
      ...(metrics === undefined ? {} : { metrics }),
      ...(config.audit === undefined
        ? {}
        : {
            audit: {
              ...(config.audit.clearAccounts === undefined
                ? {}
                : { clearAccounts: config.audit.clearAccounts }),
              ...(config.audit.pseudonymKey === undefined
                ? {}
                : { pseudonymKey: readValue(config.audit.pseudonymKey, env, "audit.pseudonymKey") }),
            },
          }),
    },
  };
}

/** An API key entry of the config file or the keys file, as the gateway takes it. */
export function apiKeyOf(entry: z.output<typeof apiKeyEntry>): ApiKeyEntry {
  return {
    id: entry.id,
    hash: entry.hash,
    mode: entry.mode,
    ...(entry.providers === undefined ? {} : { providers: entry.providers }),
    ...(entry.accounts === undefined ? {} : { accounts: entry.accounts }),
    ...(entry.rateLimit === undefined ? {} : { rateLimit: entry.rateLimit }),
  };
}
