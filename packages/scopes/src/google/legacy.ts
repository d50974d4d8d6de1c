import { type GoogleScopeName, type GoogleService, googleNamedScopes } from "./named.js";

/**
 * The legacy system's `resolve_legacy_scope` table: 20 short names, each mapped exactly to one named scope.
 * The legacy code fell back to substring matching for anything else (`calendar_full` became full Drive);
 * credstack resolves legacy names by exact lookup in this table and {@link googleLegacyScopeGroupKeys} only.
 */
export const googleLegacyNames = {
  userinfo: "base.userinfo_email",
  openid: "base.openid",
  drive_read: "drive.readonly",
  drive_file: "drive.file",
  drive_full: "drive.full",
  gmail_read: "gmail.readonly",
  gmail_send: "gmail.send",
  gmail_modify: "gmail.modify",
  gmail_settings_basic: "gmail.settings_basic",
  gmail_settings_sharing: "gmail.settings_sharing",
  calendar_read: "calendar.readonly",
  calendar_events: "calendar.events",
  docs_read: "docs.readonly",
  docs_write: "docs.full",
  sheets_read: "sheets.readonly",
  sheets_write: "sheets.full",
  photos_read: "photos.readonly_appcreated",
  photos_append: "photos.appendonly",
  tasks_read: "tasks.readonly",
  tasks_full: "tasks.full",
} as const satisfies Record<string, GoogleScopeName>;

/**
 * The 24 hand-written aliases of the legacy flat `SCOPE_GROUPS` map (the other 73 keys are generated from
 * the named scopes, see {@link googleLegacyScopeGroupKeys}).
 *
 * `photos_read` and `photoslibrary_read` pointed at the retired `photoslibrary.readonly`; they map to the
 * app-created-data read scope, as the legacy `resolve_legacy_scope` table already did.
 */
export const googleLegacyAliases = {
  drive_read: "drive.readonly",
  gmail_read: "gmail.readonly",
  calendar_read: "calendar.readonly",
  calendar_settings_read: "calendar.settings_readonly",
  docs_read: "docs.readonly",
  docs_write: "docs.full",
  sheets_read: "sheets.readonly",
  sheets_write: "sheets.full",
  chat_read: "chat.messages_readonly",
  chat_write: "chat.messages",
  forms: "forms.body",
  forms_read: "forms.body_readonly",
  forms_responses_read: "forms.responses_readonly",
  slides: "slides.full",
  slides_read: "slides.readonly",
  photos_read: "photos.readonly_appcreated",
  photos_append: "photos.appendonly",
  photoslibrary_read: "photos.readonly_appcreated",
  photoslibrary_append: "photos.appendonly",
  photoslibrary_readonly_appcreated: "photos.readonly_appcreated",
  photoslibrary_edit_appcreated: "photos.edit_appcreated",
  cloud_platform_read_only: "cloud.platform_readonly",
  tasks_read: "tasks.readonly",
  youtube_read: "youtube.readonly",
} as const satisfies Record<string, GoogleScopeName>;

/**
 * The legacy flat `SCOPE_GROUPS` map, all 97 keys: one generated key per named scope (`base` names bare,
 * `userinfo_email`; every other service prefixed, `drive_readonly`) plus the 24 aliases.
 */
export const googleLegacyScopeGroupKeys: Readonly<Record<string, GoogleScopeName>> = Object.freeze(
  buildLegacyScopeGroups(),
);

function buildLegacyScopeGroups(): Record<string, GoogleScopeName> {
  const keys: Record<string, GoogleScopeName> = {};
  for (const service of Object.keys(googleNamedScopes) as GoogleService[]) {
    for (const name of Object.keys(googleNamedScopes[service])) {
      const key = service === "base" ? name : `${service}_${name}`;
      keys[key] = `${service}.${name}` as GoogleScopeName;
    }
  }
  return Object.assign(keys, googleLegacyAliases);
}
