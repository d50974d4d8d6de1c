import type { CatalogSource, ImplicationRule, ScopeCatalogEntry } from "./types.js";

const source = "https://api.slack.com/scopes";
const entry = (scope: string, description: string): ScopeCatalogEntry => ({
  scope,
  description,
  apis: ["slack"],
});

/**
 * Slack OAuth scopes (bot and user tokens), curated from Slack's scopes reference. Slack joins scopes with
 * commas in authorization requests.
 */
export const slackCatalog: readonly ScopeCatalogEntry[] = [
  entry("admin", "Administer a workspace"),
  entry("app_mentions:read", "View messages that directly mention the app in conversations it is in"),
  entry("assistant:write", "Allow the app to act as an App Agent"),
  entry("bookmarks:read", "List bookmarks"),
  entry("bookmarks:write", "Create, edit, and remove bookmarks"),
  entry("calls:read", "View information about ongoing and past calls"),
  entry("calls:write", "Start and manage calls in a workspace"),
  entry("canvases:read", "Access contents of canvases created in Slack"),
  entry("canvases:write", "Create, edit and remove canvases"),
  entry("channels:history", "View messages and other content in public channels the app has been added to"),
  entry("channels:join", "Join public channels in a workspace"),
  entry("channels:manage", "Manage public channels the app has been added to and create new ones"),
  entry("channels:read", "View basic information about public channels in a workspace"),
  entry("channels:write", "Manage a user's public channels and create new ones on a user's behalf"),
  entry("channels:write.invites", "Invite members to public channels"),
  entry("channels:write.topic", "Set the description of public channels"),
  entry("chat:write", "Post messages in approved channels and conversations"),
  entry("chat:write.customize", "Send messages as the app with a customized username and avatar"),
  entry("chat:write.public", "Send messages to channels the app isn't a member of"),
  entry("commands", "Add shortcuts and/or slash commands that people can use"),
  entry("conversations.connect:manage", "Allow the app to manage Slack Connect channels"),
  entry(
    "conversations.connect:read",
    "Receive Slack Connect invite events sent to the channels the app is in",
  ),
  entry(
    "conversations.connect:write",
    "Create Slack Connect invitations for channels the app has been added to",
  ),
  entry("dnd:read", "View Do Not Disturb settings for people in a workspace"),
  entry("dnd:write", "Edit a user's Do Not Disturb settings"),
  entry("email", "View a user's email address (Sign in with Slack)"),
  entry("emoji:read", "View custom emoji in a workspace"),
  entry("files:read", "View files shared in channels and conversations the app has been added to"),
  entry("files:write", "Upload, edit, and delete files as the app"),
  entry("groups:history", "View messages and other content in private channels the app has been added to"),
  entry("groups:read", "View basic information about private channels the app has been added to"),
  entry("groups:write", "Manage private channels the app has been added to and create new ones"),
  entry("groups:write.invites", "Invite members to private channels"),
  entry("groups:write.topic", "Set the description of private channels"),
  entry("identity.avatar", "View a user's Slack avatar (Sign in with Slack, legacy)"),
  entry("identity.basic", "View information about a user's identity (Sign in with Slack, legacy)"),
  entry("identity.email", "View a user's email address (Sign in with Slack, legacy)"),
  entry("identity.team", "View a user's Slack workspace name (Sign in with Slack, legacy)"),
  entry("im:history", "View messages and other content in direct messages the app has been added to"),
  entry("im:read", "View basic information about direct messages the app has been added to"),
  entry("im:write", "Start direct messages with people"),
  entry("im:write.topic", "Set the description in direct messages"),
  entry("incoming-webhook", "Create one-way webhooks to post messages to a specific channel"),
  entry("links.embed:write", "Embed video player URLs in messages and app surfaces"),
  entry("links:read", "View URLs in messages"),
  entry("links:write", "Show previews of URLs in messages"),
  entry("lists:read", "Read lists in Slack"),
  entry("lists:write", "Create, edit and remove lists"),
  entry("metadata.message:read", "Allow the app to read message metadata in channels it has been added to"),
  entry("mpim:history", "View messages and other content in group direct messages the app has been added to"),
  entry("mpim:read", "View basic information about group direct messages the app has been added to"),
  entry("mpim:write", "Start group direct messages with people"),
  entry("mpim:write.topic", "Set the description in group direct messages"),
  entry("openid", "View information about a user's identity (Sign in with Slack)"),
  entry("pins:read", "View pinned content in channels and conversations the app has been added to"),
  entry("pins:write", "Add and remove pinned messages and files"),
  entry("profile", "View a user's Slack avatar and workspace info (Sign in with Slack)"),
  entry(
    "reactions:read",
    "View emoji reactions and their associated content in channels the app has been added to",
  ),
  entry("reactions:write", "Add and edit emoji reactions"),
  entry("reminders:read", "View reminders created by the app"),
  entry("reminders:write", "Add, remove, or mark reminders as complete"),
  entry("remote_files:read", "View remote files added by the app in a workspace"),
  entry("remote_files:share", "Share remote files on a user's behalf"),
  entry("remote_files:write", "Add, edit, and delete remote files on a user's behalf"),
  entry("search:read", "Search a workspace's content"),
  entry("search:read.files", "Search a workspace's files"),
  entry("search:read.public", "Search a workspace's messages in public channels"),
  entry("stars:read", "View messages and files that a user has saved"),
  entry("stars:write", "Add or remove saved items"),
  entry(
    "team.billing:read",
    "Allow the app to read the billing plan for workspaces the app has been installed to",
  ),
  entry("team.preferences:read", "Read the preferences for workspaces the app has been installed to"),
  entry("team:read", "View the name, email domain, and icon for workspaces the app is connected to"),
  entry("tokens.basic", "Execute methods without needing a scope"),
  entry("triggers:read", "Read new Platform triggers"),
  entry("triggers:write", "Create new Platform triggers"),
  entry("usergroups:read", "View user groups in a workspace"),
  entry("usergroups:write", "Create and manage user groups"),
  entry("users.profile:read", "View profile details about people in a workspace"),
  entry("users.profile:write", "Edit a user's profile information and status"),
  entry("users:read", "View people in a workspace"),
  entry("users:read.email", "View email addresses of people in a workspace"),
  entry("users:write", "Set presence for the app"),
  entry("workflow.steps:execute", "Add steps that people can use in Workflow Builder"),
];

/** Where {@link slackCatalog} comes from. */
export const slackCatalogSource: CatalogSource = {
  name: "Slack scopes reference (curated)",
  reference: source,
  kind: "curated",
};

/**
 * Slack documents no scope as including another: each scope is granted on its own, so there are no
 * implication rules (an empty table, on purpose).
 */
export const slackImplications: readonly ImplicationRule[] = [];
