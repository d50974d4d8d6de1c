/**
 * Named Google scopes per service: `service.name` references such as `drive.readonly` or `chat.bot`.
 *
 * The 16 services and 73 names are those of the legacy registry, so every legacy `service.name` reference
 * keeps working; each name maps to exactly one canonical scope string. Use {@link scope} for a typed lookup.
 */
export const googleNamedScopes = {
  base: {
    userinfo_email: "https://www.googleapis.com/auth/userinfo.email",
    userinfo_profile: "https://www.googleapis.com/auth/userinfo.profile",
    openid: "openid",
  },
  drive: {
    readonly: "https://www.googleapis.com/auth/drive.readonly",
    file: "https://www.googleapis.com/auth/drive.file",
    full: "https://www.googleapis.com/auth/drive",
    appdata: "https://www.googleapis.com/auth/drive.appdata",
    metadata: "https://www.googleapis.com/auth/drive.metadata",
    metadata_readonly: "https://www.googleapis.com/auth/drive.metadata.readonly",
    photos_readonly: "https://www.googleapis.com/auth/drive.photos.readonly",
    scripts: "https://www.googleapis.com/auth/drive.scripts",
  },
  gmail: {
    readonly: "https://www.googleapis.com/auth/gmail.readonly",
    send: "https://www.googleapis.com/auth/gmail.send",
    compose: "https://www.googleapis.com/auth/gmail.compose",
    modify: "https://www.googleapis.com/auth/gmail.modify",
    labels: "https://www.googleapis.com/auth/gmail.labels",
    full: "https://mail.google.com/",
    insert: "https://www.googleapis.com/auth/gmail.insert",
    metadata: "https://www.googleapis.com/auth/gmail.metadata",
    settings_basic: "https://www.googleapis.com/auth/gmail.settings.basic",
    settings_sharing: "https://www.googleapis.com/auth/gmail.settings.sharing",
  },
  calendar: {
    readonly: "https://www.googleapis.com/auth/calendar.readonly",
    events: "https://www.googleapis.com/auth/calendar.events",
    full: "https://www.googleapis.com/auth/calendar",
    settings_readonly: "https://www.googleapis.com/auth/calendar.settings.readonly",
  },
  docs: {
    readonly: "https://www.googleapis.com/auth/documents.readonly",
    full: "https://www.googleapis.com/auth/documents",
  },
  sheets: {
    readonly: "https://www.googleapis.com/auth/spreadsheets.readonly",
    full: "https://www.googleapis.com/auth/spreadsheets",
  },
  chat: {
    messages_readonly: "https://www.googleapis.com/auth/chat.messages.readonly",
    messages: "https://www.googleapis.com/auth/chat.messages",
    messages_create: "https://www.googleapis.com/auth/chat.messages.create",
    spaces: "https://www.googleapis.com/auth/chat.spaces",
    spaces_create: "https://www.googleapis.com/auth/chat.spaces.create",
    memberships_readonly: "https://www.googleapis.com/auth/chat.memberships.readonly",
    memberships: "https://www.googleapis.com/auth/chat.memberships",
    memberships_app: "https://www.googleapis.com/auth/chat.memberships.app",
    delete: "https://www.googleapis.com/auth/chat.delete",
    reactions: "https://www.googleapis.com/auth/chat.messages.reactions",
    reactions_create: "https://www.googleapis.com/auth/chat.messages.reactions.create",
    reactions_readonly: "https://www.googleapis.com/auth/chat.messages.reactions.readonly",
    app_memberships: "https://www.googleapis.com/auth/chat.app.memberships",
    app_spaces: "https://www.googleapis.com/auth/chat.app.spaces",
    app_spaces_create: "https://www.googleapis.com/auth/chat.app.spaces.create",
    app_delete: "https://www.googleapis.com/auth/chat.app.delete",
    bot: "https://www.googleapis.com/auth/chat.bot",
  },
  forms: {
    body: "https://www.googleapis.com/auth/forms.body",
    body_readonly: "https://www.googleapis.com/auth/forms.body.readonly",
    responses_readonly: "https://www.googleapis.com/auth/forms.responses.readonly",
  },
  slides: {
    full: "https://www.googleapis.com/auth/presentations",
    readonly: "https://www.googleapis.com/auth/presentations.readonly",
  },
  photos: {
    appendonly: "https://www.googleapis.com/auth/photoslibrary.appendonly",
    readonly_appcreated: "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata",
    edit_appcreated: "https://www.googleapis.com/auth/photoslibrary.edit.appcreateddata",
  },
  people: {
    readonly: "https://www.googleapis.com/auth/contacts.readonly",
    contacts: "https://www.googleapis.com/auth/contacts",
    directory_readonly: "https://www.googleapis.com/auth/directory.readonly",
  },
  admin: {
    users: "https://www.googleapis.com/auth/admin.directory.user",
    groups: "https://www.googleapis.com/auth/admin.directory.group",
    roles: "https://www.googleapis.com/auth/admin.directory.rolemanagement",
    orgunit: "https://www.googleapis.com/auth/admin.directory.orgunit",
  },
  cloud: {
    platform: "https://www.googleapis.com/auth/cloud-platform",
    platform_readonly: "https://www.googleapis.com/auth/cloud-platform.read-only",
    functions: "https://www.googleapis.com/auth/cloudfunctions",
    pubsub: "https://www.googleapis.com/auth/pubsub",
    iam: "https://www.googleapis.com/auth/iam",
  },
  tasks: {
    readonly: "https://www.googleapis.com/auth/tasks.readonly",
    full: "https://www.googleapis.com/auth/tasks",
  },
  youtube: {
    readonly: "https://www.googleapis.com/auth/youtube.readonly",
    upload: "https://www.googleapis.com/auth/youtube.upload",
    full: "https://www.googleapis.com/auth/youtube",
  },
  script: {
    projects: "https://www.googleapis.com/auth/script.projects",
    deployments: "https://www.googleapis.com/auth/script.deployments",
  },
} as const;

/** A Google service that has named scopes (`drive`, `gmail`, ...). */
export type GoogleService = keyof typeof googleNamedScopes;

/**
 * A `service.name` reference to a named Google scope, such as `"drive.readonly"`. A typo is a compile error.
 */
export type GoogleScopeName = {
  [S in GoogleService]: `${S}.${keyof (typeof googleNamedScopes)[S] & string}`;
}[GoogleService];

/** The canonical scope string a {@link GoogleScopeName} stands for, as a literal type. */
export type GoogleScopeUrl<N extends GoogleScopeName> = N extends `${infer S}.${infer K}`
  ? S extends GoogleService
    ? K extends keyof (typeof googleNamedScopes)[S]
      ? (typeof googleNamedScopes)[S][K]
      : never
    : never
  : never;
