import {
  type GoogleScopeName,
  googleLegacyNames,
  googleLegacyScopeGroupKeys,
  resolveScopes,
  scope,
  UnknownScopeError,
} from "@credstack/scopes";

/**
 * The legacy flat `SCOPE_GROUPS` map, key → scope URL: 97 keys (one per named scope, `drive_readonly`,
 * `userinfo_email`, ..., plus the 24 hand-written aliases such as `drive_read`), built from
 * `@credstack/scopes`.
 * @deprecated Resolve names with `resolveScopes()` or use `scope("drive.readonly")` from `@credstack/scopes`.
 */
export const SCOPE_GROUPS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(Object.entries(googleLegacyScopeGroupKeys).map(([key, name]) => [key, scope(name)])),
);

/** One service entry of the legacy `SERVICE_DEFAULTS` map. */
export interface LegacyServiceDefaults {
  /** Scopes: legacy names in {@link SERVICE_DEFAULTS}, URLs in {@link LIVE_SERVICE_DEFAULTS}. */
  readonly default_scopes: readonly string[];
  /** The Google API version the legacy service factory built. */
  readonly version: string;
  /** The legacy description. */
  readonly description: string;
}

/** Service → API version and description, as the legacy service factory had them. */
const services = {
  drive: ["v3", "Google Drive service"],
  gmail: ["v1", "Gmail service"],
  calendar: ["v3", "Google Calendar service"],
  docs: ["v1", "Google Docs service"],
  sheets: ["v4", "Google Sheets service"],
  chat: ["v1", "Google Chat service"],
  forms: ["v1", "Google Forms service"],
  slides: ["v1", "Google Slides service"],
  photos: ["v1", "Google Photos service (app-created data only)"],
  photoslibrary: ["v1", "Google Photos Library API service (app-created data only)"],
  tasks: ["v1", "Google Tasks API service"],
} as const;

type LegacyService = keyof typeof services;

/** The legacy names each service asked for (the compatibility shim's table). */
const legacyDefaultNames: Record<LegacyService, readonly string[]> = {
  drive: ["drive_file", "drive_read"],
  gmail: [
    "gmail_read",
    "gmail_send",
    "gmail_compose",
    "gmail_modify",
    "gmail_labels",
    "gmail_settings_basic",
    "gmail_settings_sharing",
  ],
  calendar: ["calendar_read", "calendar_events", "calendar_full"],
  docs: ["docs_read", "docs_write"],
  sheets: ["sheets_read", "sheets_write"],
  chat: ["chat_read", "chat_write"],
  forms: ["forms", "forms_read", "forms_responses_read"],
  slides: ["slides", "slides_read"],
  photos: ["photos_append", "photos_readonly_appcreated", "photos_edit_appcreated"],
  photoslibrary: ["photos_append", "photos_readonly_appcreated", "photos_edit_appcreated"],
  tasks: ["tasks_read", "tasks_full"],
};

const freezeDefaults = (
  scopesOf: (service: LegacyService) => readonly string[],
): Readonly<Record<string, LegacyServiceDefaults>> =>
  Object.freeze(
    Object.fromEntries(
      (Object.keys(services) as LegacyService[]).map((service) => {
        const [version, description] = services[service];
        return [
          service,
          Object.freeze({ default_scopes: Object.freeze([...scopesOf(service)]), version, description }),
        ];
      }),
    ),
  );

/**
 * The legacy `SERVICE_DEFAULTS` shape of the compatibility shim: `default_scopes` are legacy names
 * (`drive_file`, `gmail_read`, ...). Every name resolves through `@credstack/scopes`; note that the legacy
 * `calendar_full` meant full Drive by substring matching, and here means full Calendar.
 * @deprecated Ask for scopes by group or named scope (`resolveScopes(["drive_basic"])`).
 */
export const SERVICE_DEFAULTS: Readonly<Record<string, LegacyServiceDefaults>> = freezeDefaults(
  (service) => legacyDefaultNames[service],
);

/**
 * The live `SERVICE_DEFAULTS` shape (what the legacy server's registry-backed proxy returned):
 * `default_scopes` are scope URLs, the service's legacy names resolved exactly.
 * @deprecated Use `resolveScopes()` from `@credstack/scopes`.
 */
export const LIVE_SERVICE_DEFAULTS: Readonly<Record<string, LegacyServiceDefaults>> = freezeDefaults(
  (service) => resolveScopes(legacyDefaultNames[service]),
);

/**
 * The legacy `settings.drive_scopes` (and OAuth endpoint scopes): the `oauth_comprehensive` group.
 * @deprecated Use `resolveScopes(["oauth_comprehensive"])`.
 */
export function legacyDriveScopes(): string[] {
  return [...resolveScopes(["oauth_comprehensive"])];
}

/**
 * The legacy OAuth endpoint scopes; the same as {@link legacyDriveScopes}.
 * @deprecated Use `resolveScopes(["oauth_comprehensive"])`.
 */
export function legacyOAuthEndpointScopes(): string[] {
  return legacyDriveScopes();
}

const dcrDefaults: readonly GoogleScopeName[] = [
  "base.openid",
  "base.userinfo_email",
  "base.userinfo_profile",
  "drive.full",
  "gmail.modify",
  "gmail.settings_basic",
  "gmail.settings_sharing",
];

/**
 * The legacy dynamic-client-registration default `scope` string (space-separated, least privilege).
 * @deprecated Build the string from named scopes: `["drive.full", ...].map(scope).join(" ")`.
 */
export function legacyDcrScopeDefaults(): string {
  return dcrDefaults.map((name) => scope(name)).join(" ");
}

/**
 * The legacy chat-app scopes: `chat.bot`, `chat.messages`, `chat.spaces`, `cloud-platform`. The legacy list
 * also had `https://www.googleapis.com/auth/chat.apps`, which Google does not publish; it is dropped.
 * @deprecated Use the `chat_app` / `chat_bot` groups of `@credstack/scopes`.
 */
export function legacyChatAppScopes(): string[] {
  return (["chat.bot", "chat.messages", "chat.spaces", "cloud.platform"] as const).map((name) => scope(name));
}

/**
 * The legacy `resolve_legacy_scope(name)`, fixed: an exact lookup in the legacy table (20 names), then in
 * the `SCOPE_GROUPS` keys; a URL must be one the registry knows. No substring matching: `calendar_full`
 * is not full Drive, and an unknown name is an error instead of passing through.
 * @throws UnknownScopeError (`ERR_UNKNOWN_SCOPE`) with suggestions.
 * @deprecated Use `resolveScopes([name])` or `scope()` from `@credstack/scopes`.
 */
export function resolveLegacyScope(name: string): string {
  const table = googleLegacyNames as Readonly<Record<string, GoogleScopeName>>;
  const named = Object.hasOwn(table, name)
    ? table[name]
    : Object.hasOwn(googleLegacyScopeGroupKeys, name)
      ? googleLegacyScopeGroupKeys[name]
      : undefined;
  if (named !== undefined) return scope(named);
  if (name.startsWith("https://")) {
    const resolved = resolveScopes([name]);
    if (resolved.length === 1) return resolved[0] as string;
  }
  const keys = [...Object.keys(table), ...Object.keys(googleLegacyScopeGroupKeys)];
  throw new UnknownScopeError(name, "google", suggest(name, keys));
}

function suggest(name: string, keys: readonly string[]): string[] {
  const score = (key: string) => {
    let common = 0;
    while (common < key.length && common < name.length && key[common] === name[common]) common++;
    return common - Math.abs(key.length - name.length) / 4;
  };
  return [...new Set(keys)].sort((a, b) => score(b) - score(a)).slice(0, 5);
}
