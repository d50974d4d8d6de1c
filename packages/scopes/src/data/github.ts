import type { CatalogSource, ImplicationRule, ScopeCatalogEntry } from "./types.js";

const source = "https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps";
const entry = (scope: string, description: string): ScopeCatalogEntry => ({
  scope,
  description,
  apis: ["github"],
});

/**
 * GitHub OAuth app scopes, curated from GitHub's "Scopes for OAuth apps" page. Requests join scopes with
 * spaces; GitHub reports granted scopes (`X-OAuth-Scopes`, token responses) comma-separated.
 */
export const githubCatalog: readonly ScopeCatalogEntry[] = [
  entry("admin:enterprise", "Fully manage enterprises, including enterprise users, runners and billing"),
  entry("admin:gpg_key", "Fully manage GPG keys"),
  entry("admin:org", "Fully manage the organization and its teams, projects and memberships"),
  entry("admin:org_hook", "Read, write, ping and delete organization hooks"),
  entry("admin:public_key", "Fully manage public keys"),
  entry(
    "admin:repo_hook",
    "Read, write, ping and delete repository hooks in public and private repositories",
  ),
  entry("admin:ssh_signing_key", "Fully manage SSH signing keys"),
  entry("audit_log", "Read and write audit log data"),
  entry("codespace", "Create and manage codespaces"),
  entry("copilot", "Manage GitHub Copilot settings for organizations"),
  entry("delete:packages", "Delete packages from GitHub Packages"),
  entry("delete_repo", "Delete administrable repositories"),
  entry("gist", "Write access to gists"),
  entry("manage_billing:copilot", "Manage Copilot Business seats and settings"),
  entry("manage_billing:enterprise", "Read and write enterprise billing data"),
  entry("manage_runners:enterprise", "Manage self-hosted runners in enterprises"),
  entry("notifications", "Read notifications and mark them read; watch and unwatch repositories"),
  entry("project", "Read and write user and organization projects"),
  entry(
    "public_repo",
    "Read and write access to public repositories: code, statuses, projects, collaborators",
  ),
  entry("read:audit_log", "Read audit log data"),
  entry("read:discussion", "Read team discussions"),
  entry("read:enterprise", "Read enterprise profile data, without members or organizations"),
  entry("read:gpg_key", "List and view details of GPG keys"),
  entry("read:org", "Read-only access to organization membership, projects and team membership"),
  entry("read:packages", "Download and install packages from GitHub Packages"),
  entry("read:project", "Read-only access to user and organization projects"),
  entry("read:public_key", "List and view details of public keys"),
  entry("read:repo_hook", "Read-only access to hooks in public and private repositories"),
  entry("read:ssh_signing_key", "List and view details of SSH signing keys"),
  entry("read:user", "Read all of a user's profile data"),
  entry(
    "repo",
    "Full access to public and private repositories, including code, statuses, invitations and webhooks",
  ),
  entry("repo:invite", "Accept and decline invitations to collaborate on a repository"),
  entry("repo:status", "Read and write commit statuses in public and private repositories"),
  entry("repo_deployment", "Access to deployment statuses for public and private repositories"),
  entry("security_events", "Read and write security events in the code scanning API"),
  entry("user", "Read and write all profile data"),
  entry("user:email", "Read access to a user's email addresses"),
  entry("user:follow", "Follow and unfollow other users"),
  entry("workflow", "Add and update GitHub Actions workflow files"),
  entry("write:discussion", "Read and write team discussions"),
  entry("write:gpg_key", "Create, list and view details of GPG keys"),
  entry("write:org", "Read and write organization membership and projects"),
  entry("write:packages", "Upload and publish packages to GitHub Packages"),
  entry("write:public_key", "Create, list and view details of public keys"),
  entry("write:repo_hook", "Read, write and ping hooks in public and private repositories"),
  entry("write:ssh_signing_key", "Create, list and view details of SSH signing keys"),
];

/** Where {@link githubCatalog} comes from. */
export const githubCatalogSource: CatalogSource = {
  name: "GitHub: Scopes for OAuth apps",
  reference: source,
  kind: "curated",
};

const rule = (broader: string, ...narrower: string[]): ImplicationRule => ({ broader, narrower, source });

/** The scope hierarchy GitHub documents on the same page (a parent scope includes its sub-scopes). */
export const githubImplications: readonly ImplicationRule[] = [
  rule("repo", "repo:status", "repo_deployment", "public_repo", "repo:invite", "security_events"),
  rule("admin:repo_hook", "write:repo_hook"),
  rule("write:repo_hook", "read:repo_hook"),
  rule("admin:org", "write:org"),
  rule("write:org", "read:org"),
  rule("admin:public_key", "write:public_key"),
  rule("write:public_key", "read:public_key"),
  rule("user", "read:user", "user:email", "user:follow"),
  rule("project", "read:project"),
  rule("write:packages", "read:packages"),
  rule("admin:gpg_key", "write:gpg_key"),
  rule("write:gpg_key", "read:gpg_key"),
  rule("write:discussion", "read:discussion"),
  rule("admin:enterprise", "manage_runners:enterprise", "manage_billing:enterprise", "read:enterprise"),
  rule("audit_log", "read:audit_log"),
  rule("admin:ssh_signing_key", "write:ssh_signing_key"),
  rule("write:ssh_signing_key", "read:ssh_signing_key"),
];
