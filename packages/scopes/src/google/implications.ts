import type { ImplicationRule } from "../data/types.js";

const auth = (name: string): string => `https://www.googleapis.com/auth/${name}`;

/**
 * Documented Google scope implications: holding `broader` grants everything each `narrower` scope grants.
 *
 * Each rule cites the page where Google lists which scopes each method of the API accepts: a method that
 * accepts the narrow scope accepts the broad one too. Rules stay inside one API family (Drive does not
 * cover Docs here, though the Docs API accepts Drive scopes, because `documents` is not in Drive's list).
 * `covers` uses the transitive closure of this table.
 */
export const googleImplications: readonly ImplicationRule[] = [
  {
    broader: auth("userinfo.email"),
    narrower: ["email"],
    source: "https://developers.google.com/identity/protocols/oauth2/scopes#oauth2",
  },
  {
    broader: "email",
    narrower: [auth("userinfo.email")],
    source: "https://developers.google.com/identity/protocols/oauth2/scopes#oauth2",
  },
  {
    broader: auth("userinfo.profile"),
    narrower: ["profile"],
    source: "https://developers.google.com/identity/protocols/oauth2/scopes#oauth2",
  },
  {
    broader: "profile",
    narrower: [auth("userinfo.profile")],
    source: "https://developers.google.com/identity/protocols/oauth2/scopes#oauth2",
  },
  {
    broader: auth("drive"),
    narrower: [
      auth("drive.file"),
      auth("drive.readonly"),
      auth("drive.metadata"),
      auth("drive.metadata.readonly"),
      auth("drive.meet.readonly"),
    ],
    source: "https://developers.google.com/workspace/drive/api/guides/api-specific-auth",
  },
  {
    broader: auth("drive.readonly"),
    narrower: [auth("drive.metadata.readonly"), auth("drive.meet.readonly")],
    source: "https://developers.google.com/workspace/drive/api/guides/api-specific-auth",
  },
  {
    broader: auth("drive.metadata"),
    narrower: [auth("drive.metadata.readonly")],
    source: "https://developers.google.com/workspace/drive/api/guides/api-specific-auth",
  },
  {
    broader: "https://mail.google.com/",
    narrower: [
      auth("gmail.modify"),
      auth("gmail.readonly"),
      auth("gmail.compose"),
      auth("gmail.send"),
      auth("gmail.insert"),
      auth("gmail.labels"),
      auth("gmail.metadata"),
    ],
    source: "https://developers.google.com/workspace/gmail/api/auth/scopes",
  },
  {
    broader: auth("gmail.modify"),
    narrower: [
      auth("gmail.readonly"),
      auth("gmail.compose"),
      auth("gmail.send"),
      auth("gmail.insert"),
      auth("gmail.labels"),
      auth("gmail.metadata"),
    ],
    source: "https://developers.google.com/workspace/gmail/api/auth/scopes",
  },
  {
    broader: auth("gmail.compose"),
    narrower: [auth("gmail.send")],
    source: "https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/send",
  },
  {
    broader: auth("gmail.readonly"),
    narrower: [auth("gmail.metadata")],
    source: "https://developers.google.com/workspace/gmail/api/auth/scopes",
  },
  {
    broader: auth("calendar"),
    narrower: [
      auth("calendar.readonly"),
      auth("calendar.events"),
      auth("calendar.events.readonly"),
      auth("calendar.settings.readonly"),
    ],
    source: "https://developers.google.com/workspace/calendar/api/auth",
  },
  {
    broader: auth("calendar.readonly"),
    narrower: [auth("calendar.events.readonly"), auth("calendar.settings.readonly")],
    source: "https://developers.google.com/workspace/calendar/api/auth",
  },
  {
    broader: auth("calendar.events"),
    narrower: [auth("calendar.events.readonly")],
    source: "https://developers.google.com/workspace/calendar/api/auth",
  },
  {
    broader: auth("documents"),
    narrower: [auth("documents.readonly")],
    source: "https://developers.google.com/workspace/docs/api/auth",
  },
  {
    broader: auth("spreadsheets"),
    narrower: [auth("spreadsheets.readonly")],
    source: "https://developers.google.com/workspace/sheets/api/scopes",
  },
  {
    broader: auth("presentations"),
    narrower: [auth("presentations.readonly")],
    source: "https://developers.google.com/workspace/slides/api/scopes",
  },
  {
    broader: auth("forms.body"),
    narrower: [auth("forms.body.readonly")],
    source: "https://developers.google.com/workspace/forms/api/reference/rest/v1/forms/get",
  },
  {
    broader: auth("chat.messages"),
    narrower: [auth("chat.messages.readonly"), auth("chat.messages.create")],
    source: "https://developers.google.com/workspace/chat/authenticate-authorize#chat-api-scopes",
  },
  {
    broader: auth("chat.messages.reactions"),
    narrower: [auth("chat.messages.reactions.create"), auth("chat.messages.reactions.readonly")],
    source: "https://developers.google.com/workspace/chat/authenticate-authorize#chat-api-scopes",
  },
  {
    broader: auth("chat.memberships"),
    narrower: [auth("chat.memberships.readonly")],
    source: "https://developers.google.com/workspace/chat/authenticate-authorize#chat-api-scopes",
  },
  {
    broader: auth("chat.spaces"),
    narrower: [auth("chat.spaces.readonly"), auth("chat.spaces.create")],
    source: "https://developers.google.com/workspace/chat/authenticate-authorize#chat-api-scopes",
  },
  {
    broader: auth("contacts"),
    narrower: [auth("contacts.readonly")],
    source: "https://developers.google.com/people/api/rest/v1/people/get",
  },
  {
    broader: auth("tasks"),
    narrower: [auth("tasks.readonly")],
    source: "https://developers.google.com/workspace/tasks/auth",
  },
  {
    broader: auth("youtube"),
    narrower: [auth("youtube.readonly")],
    source: "https://developers.google.com/youtube/v3/guides/auth/installed-apps#identify-access-scopes",
  },
  {
    broader: auth("admin.directory.user"),
    narrower: [auth("admin.directory.user.readonly")],
    source: "https://developers.google.com/workspace/admin/directory/v1/guides/authorizing",
  },
  {
    broader: auth("admin.directory.group"),
    narrower: [auth("admin.directory.group.readonly")],
    source: "https://developers.google.com/workspace/admin/directory/v1/guides/authorizing",
  },
  {
    broader: auth("admin.directory.orgunit"),
    narrower: [auth("admin.directory.orgunit.readonly")],
    source: "https://developers.google.com/workspace/admin/directory/v1/guides/authorizing",
  },
  {
    broader: auth("admin.directory.rolemanagement"),
    narrower: [auth("admin.directory.rolemanagement.readonly")],
    source: "https://developers.google.com/workspace/admin/directory/v1/guides/authorizing",
  },
  {
    broader: auth("cloud-platform"),
    narrower: [auth("cloud-platform.read-only")],
    source: "https://cloud.google.com/docs/authentication/token-types#access-scopes",
  },
];

/**
 * Photos Library scopes Google retired on 31 March 2025: requesting them fails and API calls relying on
 * them return 403 PERMISSION_DENIED.
 */
export const googleRetiredScopes: readonly string[] = [
  auth("photoslibrary"),
  auth("photoslibrary.readonly"),
  auth("photoslibrary.sharing"),
];

/**
 * Scopes that Google refuses to authorize in the same request as other APIs' scopes
 * (`400 invalid_request: This request contains scopes that cannot be requested together`).
 * Keyed by the flow name; identity scopes (`openid`, email, profile) may join any flow.
 */
export const googleSeparateFlows: Readonly<Record<string, (scope: string) => boolean>> = {
  photos: (scope) => scope.startsWith(auth("photoslibrary")),
};

/** Identity scopes that can be combined with any flow. */
export const googleIdentityScopes: readonly string[] = [
  "openid",
  "email",
  "profile",
  auth("userinfo.email"),
  auth("userinfo.profile"),
];
