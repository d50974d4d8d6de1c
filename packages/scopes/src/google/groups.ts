import type { GoogleScopeName } from "./named.js";

/**
 * The built-in Google scope groups: the legacy system's groups, with their latest (least-privilege)
 * membership. Members are `service.name` references.
 *
 * Photos is deliberately absent from the multi-service groups: Google refuses to authorize Photos Library
 * scopes in the same request as other APIs' scopes, so Photos has its own groups and its own flow.
 */
export const googleGroups = {
  base: ["base.userinfo_email", "base.userinfo_profile", "base.openid"],
  drive_basic: ["base.userinfo_email", "base.openid", "drive.full"],
  drive_full: ["base.userinfo_email", "base.openid", "drive.full"],
  gmail_basic: [
    "base.userinfo_email",
    "base.openid",
    "gmail.modify",
    "gmail.settings_basic",
    "gmail.settings_sharing",
  ],
  gmail_full: ["base.userinfo_email", "base.openid", "gmail.full"],
  calendar_basic: ["base.userinfo_email", "base.openid", "calendar.full"],
  calendar_full: ["base.userinfo_email", "base.openid", "calendar.full"],
  docs_basic: ["base.userinfo_email", "base.openid", "docs.full"],
  sheets_basic: ["base.userinfo_email", "base.openid", "sheets.full"],
  chat_basic: [
    "base.userinfo_email",
    "base.userinfo_profile",
    "base.openid",
    "chat.messages",
    "chat.spaces",
    "chat.memberships",
    "people.contacts",
  ],
  chat_bot: ["chat.bot"],
  chat_app: [
    "chat.spaces",
    "chat.spaces_create",
    "chat.delete",
    "chat.messages",
    "chat.messages_readonly",
    "chat.messages_create",
    "chat.memberships",
    "chat.memberships_readonly",
    "chat.memberships_app",
    "chat.app_memberships",
    "chat.app_spaces",
    "chat.app_spaces_create",
    "chat.app_delete",
    "chat.reactions",
    "chat.reactions_create",
    "chat.reactions_readonly",
  ],
  forms_basic: ["base.userinfo_email", "base.openid", "forms.body", "forms.responses_readonly"],
  slides_basic: ["base.userinfo_email", "base.openid", "slides.full"],
  photos_basic: [
    "base.userinfo_email",
    "base.openid",
    "photos.appendonly",
    "photos.readonly_appcreated",
    "photos.edit_appcreated",
  ],
  photos_full: [
    "base.userinfo_email",
    "base.openid",
    "photos.appendonly",
    "photos.readonly_appcreated",
    "photos.edit_appcreated",
  ],
  tasks_basic: ["base.userinfo_email", "base.openid", "tasks.full"],
  tasks_full: ["base.userinfo_email", "base.openid", "tasks.full"],
  people_basic: [
    "base.userinfo_email",
    "base.userinfo_profile",
    "base.openid",
    "people.contacts",
    "people.directory_readonly",
  ],
  people_full: [
    "base.userinfo_email",
    "base.userinfo_profile",
    "base.openid",
    "people.contacts",
    "people.directory_readonly",
  ],
  office_suite: [
    "base.userinfo_email",
    "base.openid",
    "drive.full",
    "docs.full",
    "sheets.full",
    "slides.full",
  ],
  communication_suite: [
    "base.userinfo_email",
    "base.openid",
    "gmail.modify",
    "chat.messages",
    "calendar.full",
  ],
  admin_suite: ["base.userinfo_email", "base.openid", "admin.users", "admin.groups", "admin.roles"],
  /**
   * Everything the legacy server's current release (2.8.0 and later) grants in its combined Workspace
   * flow: exactly its 18 scopes (email, profile, openid and 15 API scopes), none covered by another
   * member. No Tasks (the legacy release dropped it) and no Photos (separate flow). A migrated user's
   * legacy grant covers it, so asking for it never sends them back to consent.
   */
  oauth_comprehensive: [
    "base.userinfo_email",
    "base.userinfo_profile",
    "base.openid",
    "drive.full",
    "docs.full",
    "gmail.modify",
    "gmail.settings_basic",
    "gmail.settings_sharing",
    "chat.messages",
    "chat.spaces",
    "chat.memberships",
    "sheets.full",
    "forms.body",
    "forms.responses_readonly",
    "slides.full",
    "calendar.full",
    "people.contacts",
    "people.directory_readonly",
  ],
  /**
   * `oauth_comprehensive` as the legacy releases before 2.8.0 granted it (35 scopes, narrow scopes beside
   * the full ones, Tasks included). Reachable only by this explicit versioned name.
   */
  oauth_comprehensive_v2_7: [
    "base.userinfo_email",
    "base.userinfo_profile",
    "base.openid",
    "drive.full",
    "drive.readonly",
    "drive.file",
    "docs.readonly",
    "docs.full",
    "gmail.readonly",
    "gmail.send",
    "gmail.compose",
    "gmail.modify",
    "gmail.labels",
    "gmail.settings_basic",
    "gmail.settings_sharing",
    "chat.messages_readonly",
    "chat.messages",
    "chat.spaces",
    "chat.memberships_readonly",
    "chat.memberships",
    "sheets.readonly",
    "sheets.full",
    "forms.body",
    "forms.body_readonly",
    "forms.responses_readonly",
    "slides.full",
    "slides.readonly",
    "calendar.readonly",
    "calendar.events",
    "calendar.full",
    "tasks.readonly",
    "tasks.full",
    "people.readonly",
    "people.contacts",
    "people.directory_readonly",
  ],
} as const satisfies Record<string, readonly GoogleScopeName[]>;

/** The name of a built-in Google scope group. */
export type GoogleGroupName = keyof typeof googleGroups;
