import { type CredentialInput, type CredentialRecord, InvalidRecordError } from "@credstack/storage";
import { formatLegacyExpiry, parseLegacyExpiry } from "./lib/expiry.js";

/**
 * The three JSON layouts of legacy credential files:
 * - `google-auth`: google-auth's `Credentials.to_json` / authorized-user layout as the legacy server wrote
 *   it (`token`, `refresh_token`, `token_uri`, `client_id`, `client_secret`, `scopes`, `expiry` as naive
 *   UTC ISO, plus `user_email`, `saved_at`, `token_group`, ...);
 * - `fastmcp`: `access_token`, `refresh_token`, `token_expiry`, `scopes`, `client_id`, `client_secret`, no
 *   `token_uri`;
 * - `unified`: `format_version: "unified"` with `tokens{access, refresh, expiry}` and
 *   `oauth_config{client_id, client_secret, scopes}`.
 */
export type LegacyLayout = "google-auth" | "fastmcp" | "unified";

/** Google's token endpoint, the `token_uri` google-auth writes by default. */
export const googleTokenUri = "https://oauth2.googleapis.com/token";

/** A legacy credential file read field by field (see {@link readLegacyCredentials}). */
export interface LegacyCredentials {
  /** The detected layout. */
  readonly layout: LegacyLayout;
  /** The `user_email` the file carries (trimmed; its spelling kept, accounts compare case-insensitively). */
  readonly email: string | undefined;
  /** The record fields (everything but `provider` and `account`). */
  readonly fields: Omit<CredentialInput, "provider" | "account">;
}

/** What `metadata.legacy` holds so that {@link toLegacyCredentials} can rebuild the file exactly. */
interface LegacyTrace {
  layout: LegacyLayout;
  keys: string[];
  extras: Record<string, unknown>;
  tokensKeys?: string[];
  tokensExtras?: Record<string, unknown>;
  oauthConfigKeys?: string[];
  oauthConfigExtras?: Record<string, unknown>;
  expiryText?: string;
  scopesText?: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const invalid = (issue: string): never => {
  throw new InvalidRecordError("Not a legacy credential:", [issue]);
};

/**
 * Which layout a parsed legacy file has. Unambiguous: `format_version: "unified"` is unified (the legacy
 * code checked `provider == "google"` first and mistook unified files for FastMCP ones); `access_token` is
 * FastMCP; `token`/`refresh_token`/`expiry` without those is google-auth. A file mixing `token` and
 * `access_token` (or `expiry` and `token_expiry`), or with another `format_version`, is rejected.
 * @throws InvalidRecordError (`ERR_INVALID_RECORD`)
 */
export function detectLegacyLayout(json: unknown): LegacyLayout {
  if (!isObject(json)) return invalid("record: must be a JSON object");
  if ("format_version" in json) {
    if (json.format_version !== "unified") return invalid("format_version: unknown format version");
    if (!isObject(json.tokens)) return invalid("tokens: the unified layout needs a tokens object");
    if ("oauth_config" in json && !isObject(json.oauth_config))
      return invalid("oauth_config: must be an object");
    return "unified";
  }
  if ("token" in json && "access_token" in json) return invalid("record: mixes token and access_token");
  if ("expiry" in json && "token_expiry" in json) return invalid("record: mixes expiry and token_expiry");
  if ("access_token" in json || "token_expiry" in json) return "fastmcp";
  if ("token" in json || "refresh_token" in json || "expiry" in json || "client_id" in json)
    return "google-auth";
  return invalid("record: no credential fields (token, access_token, refresh_token or tokens)");
}

const optionalString = (json: Json, key: string, path = key): string | undefined => {
  const value = json[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : invalid(`${path}: must be a string or null`);
};

function readScopes(value: unknown, path: string): { scopes: string[]; text: boolean } {
  if (value === undefined || value === null) return { scopes: [], text: false };
  if (typeof value === "string")
    return { scopes: value.split(/\s+/).filter((s) => s.length > 0), text: true };
  if (Array.isArray(value) && value.every((s) => typeof s === "string" && s.length > 0)) {
    return { scopes: value as string[], text: false };
  }
  return invalid(`${path}: must be a list of scopes, a space-separated string or null`);
}

function readExpiry(value: unknown, path: string): { expiresAt?: number; expiryText?: string } {
  if (value === undefined || value === null) return {};
  if (typeof value !== "string") return invalid(`${path}: must be an ISO 8601 timestamp or null`);
  const expiresAt = parseLegacyExpiry(value);
  if (expiresAt === undefined) return invalid(`${path}: must be an ISO 8601 timestamp or null`);
  return formatLegacyExpiry(expiresAt) === value ? { expiresAt } : { expiresAt, expiryText: value };
}

const split = (json: Json, mapped: readonly string[]) => {
  const extras: Json = {};
  for (const [key, value] of Object.entries(json)) if (!mapped.includes(key)) extras[key] = value;
  return { keys: Object.keys(json), extras };
};

const mappedKeys: Record<LegacyLayout, readonly string[]> = {
  "google-auth": [
    "token",
    "refresh_token",
    "token_uri",
    "client_id",
    "client_secret",
    "scopes",
    "expiry",
    "id_token",
    "user_email",
  ],
  fastmcp: [
    "access_token",
    "refresh_token",
    "token_expiry",
    "client_id",
    "client_secret",
    "scopes",
    "id_token",
    "user_email",
  ],
  unified: ["tokens", "oauth_config", "user_email"],
};

/**
 * Reads a parsed legacy credential file field by field. Nothing is lost: fields credstack has no place for
 * (`saved_at`, `token_group`, `encrypted_at`, `provider`, unified `metadata`, ...) and the exact key set and
 * spellings are kept in `metadata.legacy`, so {@link toLegacyCredentials} rebuilds the same JSON.
 * @throws InvalidRecordError (`ERR_INVALID_RECORD`) for an unknown or mixed layout or a field of the wrong type.
 *
 * @example
 * ```ts
 * declare const text: string; // a legacy credentials file's content
 * const { layout, email, fields } = readLegacyCredentials(JSON.parse(text));
 * ```
 */
export function readLegacyCredentials(json: unknown): LegacyCredentials {
  const layout = detectLegacyLayout(json);
  const file = json as Json;
  const emailText = optionalString(file, "user_email");
  const email = emailText?.trim();
  const { keys, extras } = split(file, mappedKeys[layout]);
  const trace: LegacyTrace = { layout, keys, extras };
  let accessToken: string | undefined;
  let refreshToken: string | undefined;
  let clientId: string | undefined;
  let clientSecret: string | undefined;
  let tokenUri: string | undefined;
  let idToken: string | undefined;
  let scopesValue: unknown;
  let expiryValue: unknown;
  let expiryPath: string;
  let scopesPath: string;
  if (layout === "unified") {
    const tokens = file.tokens as Json;
    const config = isObject(file.oauth_config) ? file.oauth_config : {};
    accessToken = optionalString(tokens, "access", "tokens.access");
    refreshToken = optionalString(tokens, "refresh", "tokens.refresh");
    clientId = optionalString(config, "client_id", "oauth_config.client_id");
    clientSecret = optionalString(config, "client_secret", "oauth_config.client_secret");
    const t = split(tokens, ["access", "refresh", "expiry"]);
    trace.tokensKeys = t.keys;
    trace.tokensExtras = t.extras;
    if (isObject(file.oauth_config)) {
      const c = split(config, ["client_id", "client_secret", "scopes"]);
      trace.oauthConfigKeys = c.keys;
      trace.oauthConfigExtras = c.extras;
    }
    scopesValue = config.scopes;
    scopesPath = "oauth_config.scopes";
    expiryValue = tokens.expiry;
    expiryPath = "tokens.expiry";
  } else {
    const fastmcp = layout === "fastmcp";
    accessToken = optionalString(file, fastmcp ? "access_token" : "token");
    refreshToken = optionalString(file, "refresh_token");
    clientId = optionalString(file, "client_id");
    clientSecret = optionalString(file, "client_secret");
    idToken = optionalString(file, "id_token");
    if (!fastmcp) tokenUri = optionalString(file, "token_uri");
    scopesValue = file.scopes;
    scopesPath = "scopes";
    expiryValue = fastmcp ? file.token_expiry : file.expiry;
    expiryPath = fastmcp ? "token_expiry" : "expiry";
  }
  const { scopes, text } = readScopes(scopesValue, scopesPath);
  if (text) trace.scopesText = true;
  const { expiresAt, expiryText } = readExpiry(expiryValue, expiryPath);
  if (expiryText !== undefined) trace.expiryText = expiryText;
  const metadata: Json = {
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(tokenUri === undefined ? {} : { tokenUri }),
    legacy: trace as unknown as Json,
  };
  const fields = {
    ...(accessToken === undefined ? {} : { accessToken }),
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(expiresAt === undefined ? {} : { expiresAt }),
    ...(idToken === undefined ? {} : { idToken }),
    ...(clientId === undefined ? {} : { clientId }),
    tokenType: "Bearer",
    scopes,
    metadata,
  };
  return { layout, email, fields };
}

/** Options of {@link fromLegacyCredentials}. */
export interface FromLegacyOptions {
  /** The record's provider. @default "google" */
  readonly provider?: string;
  /** The account; required when the file carries no `user_email`. @default the file's `user_email` */
  readonly account?: string;
}

/**
 * A credstack record input from a parsed legacy credential file (any of the three layouts).
 * @throws InvalidRecordError (`ERR_INVALID_RECORD`) for an unknown layout, or when the account is neither
 * given nor in the file.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * declare const text: string, store: CredentialStore;
 * const input = fromLegacyCredentials(JSON.parse(text), { account: "alice@example.com" });
 * await store.put(input, { expectedVersion: 0 });
 * ```
 */
export function fromLegacyCredentials(json: unknown, options: FromLegacyOptions = {}): CredentialInput {
  const { email, fields } = readLegacyCredentials(json);
  const account = options.account ?? email;
  if (account === undefined) return invalid("user_email: the file names no account; pass options.account");
  return { provider: options.provider ?? "google", account, ...fields };
}

const traceOf = (record: CredentialInput): LegacyTrace | undefined => {
  const legacy = record.metadata?.legacy;
  return isObject(legacy) && typeof legacy.layout === "string"
    ? (legacy as unknown as LegacyTrace)
    : undefined;
};

/** Rebuilds one JSON object: the traced key order and extras when known, else the layout's standard keys. */
function emit(
  mapped: Json,
  standard: readonly string[],
  optional: readonly string[],
  keys: readonly string[] | undefined,
  extras: Json | undefined,
): Json {
  const out: Json = {};
  const order = keys ?? standard;
  for (const key of order) {
    if (key in mapped) out[key] = mapped[key] ?? null;
    else if (extras !== undefined && key in extras) out[key] = extras[key];
  }
  for (const [key, value] of Object.entries(mapped)) {
    if (key in out || value === undefined || value === null) continue;
    if (keys !== undefined && (optional.includes(key) || (Array.isArray(value) && value.length === 0)))
      continue;
    out[key] = value;
  }
  return out;
}

/**
 * The legacy JSON for a credstack record, in `layout` (by default the layout it was imported from, else
 * `google-auth`): the inverse of {@link fromLegacyCredentials}. A record imported from a legacy file and
 * not changed since gives back that file's JSON exactly (same keys, same values); changed fields are
 * written in the legacy spelling (`expiry` as naive UTC ISO).
 *
 * @example
 * ```ts
 * import { writeFileSync } from "node:fs";
 * import type { CredentialRecord } from "@credstack/storage";
 * declare const record: CredentialRecord;
 * writeFileSync("alice_at_example_com_credentials.json", JSON.stringify(toLegacyCredentials(record), null, 2));
 * ```
 */
export function toLegacyCredentials(
  record: CredentialInput | CredentialRecord,
  layout?: LegacyLayout,
): Record<string, unknown> {
  const found = traceOf(record);
  const target = layout ?? found?.layout ?? "google-auth";
  const trace = found?.layout === target ? found : undefined;
  const metadata = record.metadata ?? {};
  const clientSecret = typeof metadata.clientSecret === "string" ? metadata.clientSecret : undefined;
  const scopes = record.scopes ?? [];
  const scopesOut = trace?.scopesText === true ? scopes.join(" ") : [...scopes];
  let expiry: string | undefined;
  if (record.expiresAt !== undefined) {
    const text = trace?.expiryText;
    expiry =
      text !== undefined && parseLegacyExpiry(text) === record.expiresAt
        ? text
        : formatLegacyExpiry(record.expiresAt);
  }
  if (target === "unified") {
    const tokens = emit(
      { access: record.accessToken, refresh: record.refreshToken, expiry },
      ["access", "refresh", "expiry"],
      [],
      trace?.tokensKeys,
      trace?.tokensExtras,
    );
    const config = emit(
      { client_id: record.clientId, client_secret: clientSecret, scopes: scopesOut },
      ["client_id", "client_secret", "scopes"],
      [],
      trace?.oauthConfigKeys,
      trace?.oauthConfigExtras,
    );
    const keys = trace?.keys;
    const mapped: Json = { tokens, user_email: record.account };
    if (keys === undefined || keys.includes("oauth_config")) mapped.oauth_config = config;
    return emit(
      mapped,
      ["format_version", "provider", "tokens", "oauth_config"],
      ["user_email"],
      keys ?? undefined,
      {
        format_version: "unified",
        provider: "google",
        ...trace?.extras,
      },
    );
  }
  const fastmcp = target === "fastmcp";
  const mapped: Json = {
    [fastmcp ? "access_token" : "token"]: record.accessToken,
    refresh_token: record.refreshToken,
    client_id: record.clientId,
    client_secret: clientSecret,
    scopes: scopesOut,
    [fastmcp ? "token_expiry" : "expiry"]: expiry,
    id_token: record.idToken,
    user_email: record.account,
  };
  if (!fastmcp) {
    mapped.token_uri =
      typeof metadata.tokenUri === "string"
        ? metadata.tokenUri
        : trace === undefined
          ? googleTokenUri
          : undefined;
  }
  const standard = fastmcp
    ? ["provider", "access_token", "refresh_token", "token_expiry", "scopes", "client_id", "client_secret"]
    : ["token", "refresh_token", "token_uri", "client_id", "client_secret", "scopes", "expiry"];
  const extras = trace?.extras ?? (fastmcp ? { provider: "google" } : {});
  return emit(mapped, standard, ["user_email", "token_uri", "id_token"], trace?.keys, extras);
}
