import { defaultScopeRegistry, type ProviderId, providers } from "@credstack/scopes";
import type { CredentialRecord } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { showAccount, showTime } from "../lib/format.js";
import type { SealInfo } from "../lib/observed-cipher.js";
import { storeOptionSpec, storeUriOf, withStore } from "../lib/store-command.js";

/** Help text of `credstack inspect`. */
export const inspectUsage = `Usage: credstack inspect <provider> <account> [--store URI] [--json] [cipher options]

Shows one credential with its secrets redacted: expiry, refresh token present or not, scopes and the
groups that contain them, version, times, and the cipher and key id that sealed it. Exit 5 if absent.`;

const options = { ...storeOptionSpec, json: { type: "boolean", default: false } } as const;

/** Scopes with the built-in groups that contain each (for providers the scopes registry knows). */
function scopeGroups(provider: string, scopes: readonly string[]): { scope: string; groups: string[] }[] {
  const registry = provider in providers ? defaultScopeRegistry(provider as ProviderId) : undefined;
  return scopes.map((scope) => ({ scope, groups: [...(registry?.describe(scope)?.groups ?? [])] }));
}

/** The redacted view of a record that `inspect` prints. */
function viewOf(record: CredentialRecord, seal: SealInfo | undefined, activeKeyId: string | undefined) {
  return {
    provider: record.provider,
    account: record.account,
    tokenType: record.tokenType,
    accessToken: record.accessToken === undefined ? "absent" : "[redacted]",
    refreshToken: record.refreshToken === undefined ? "absent" : "[redacted]",
    idToken: record.idToken === undefined ? "absent" : "[redacted]",
    expiresAt: record.expiresAt ?? null,
    expired: record.expiresAt !== undefined && record.expiresAt <= Date.now(),
    scopes: scopeGroups(record.provider, record.scopes),
    issuer: record.issuer ?? null,
    clientId: record.clientId ?? null,
    metadataKeys: Object.keys(record.metadata ?? {}),
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    cipher: seal?.cipher ?? null,
    keyId: seal?.keyId ?? null,
    sealedUnderActiveKey: seal === undefined || activeKeyId === undefined ? null : seal.keyId === activeKeyId,
  };
}

/**
 * `credstack inspect <provider> <account>`.
 * @returns the exit code.
 */
export async function runInspect(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, inspectUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  const [provider, account, ...extra] = positionals;
  if (provider === undefined || account === undefined || extra.length > 0) {
    throw new UsageError(`inspect takes a provider and an account.\n${inspectUsage}`);
  }
  return withStore(storeUriOf(values), cipherFlagsOf(values), {}, async ({ store, cipher, label }) => {
    const record = await store.get({ provider, account });
    if (record === undefined) {
      io.err(`credstack inspect: no credential for ${provider} / ${showAccount(account)} in ${label}`);
      return exitCodes.notFound;
    }
    const view = viewOf(record, cipher?.sealOf(record), await cipher?.activeKeyId());
    if (values.json) {
      io.out(JSON.stringify(view, null, 2));
      return exitCodes.ok;
    }
    io.out(`${view.provider} / ${showAccount(view.account, 200)}`);
    io.out(`  token type:     ${view.tokenType}`);
    io.out(`  access token:   ${view.accessToken}`);
    io.out(`  refresh token:  ${view.refreshToken}`);
    io.out(`  id token:       ${view.idToken}`);
    io.out(`  expires:        ${showTime(record.expiresAt)}${view.expired ? " EXPIRED" : ""}`);
    io.out(`  scopes (${view.scopes.length}):`);
    for (const { scope, groups } of view.scopes) {
      io.out(`    ${scope}${groups.length > 0 ? `  [groups: ${groups.join(", ")}]` : ""}`);
    }
    if (view.issuer !== null) io.out(`  issuer:         ${view.issuer}`);
    if (view.clientId !== null) io.out(`  client id:      ${view.clientId}`);
    if (view.metadataKeys.length > 0)
      io.out(`  metadata keys:  ${view.metadataKeys.join(", ")} (values sealed)`);
    io.out(`  version:        ${view.version}`);
    io.out(`  created:        ${showTime(record.createdAt)}`);
    io.out(`  updated:        ${showTime(record.updatedAt)}`);
    if (view.keyId !== null) {
      const note =
        view.sealedUnderActiveKey === false ? " (not the active key: run credstack rotate-key)" : " (active)";
      io.out(`  sealed with:    ${view.cipher} key ${view.keyId}${note}`);
    }
    return exitCodes.ok;
  });
}
