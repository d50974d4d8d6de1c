import type { CredentialKey } from "@credstack/storage";

/** A key for an error message: provider and account, clipped and quoted (accounts are not secrets). @internal */
export function describeKey(key: CredentialKey): string {
  const account = key.account.length > 80 ? `${key.account.slice(0, 80)}…` : key.account;
  return `${JSON.stringify(key.provider)}/${JSON.stringify(account)}`;
}
