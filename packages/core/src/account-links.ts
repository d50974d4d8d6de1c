import { accountKey } from "@credstack/storage";

/** The accounts one identity may use: its primary account and the accounts linked to it. */
export interface LinkedAccounts {
  /** The account used when the call names none. */
  readonly primary: string;
  /** Other accounts the identity may select by name. */
  readonly linked: readonly string[];
}

/** The stored mapping identity → accounts. Persist it where you like; {@link memoryAccountLinks} is the reference. */
export interface AccountLinks {
  /** The accounts of `identityId`, or `undefined` (then the identity's own account is its only account). */
  get(identityId: string): Promise<LinkedAccounts | undefined>;
  /** Sets the accounts of `identityId`. */
  set(identityId: string, accounts: LinkedAccounts): Promise<void>;
}

/** Creates an in-memory {@link AccountLinks}, optionally prefilled. */
export function memoryAccountLinks(initial: Readonly<Record<string, LinkedAccounts>> = {}): AccountLinks {
  const links = new Map<string, LinkedAccounts>(Object.entries(initial));
  return {
    async get(identityId) {
      return links.get(identityId);
    },
    async set(identityId, accounts) {
      links.set(identityId, { primary: accounts.primary, linked: [...accounts.linked] });
    },
  };
}

/**
 * The account a call uses: `requested` if it is one of `accounts` (compared by account key), the primary
 * when nothing is requested, `undefined` when the request names an account the identity may not use.
 * @internal
 */
export function selectAccount(accounts: LinkedAccounts, requested: string | undefined): string | undefined {
  if (requested === undefined) return accounts.primary;
  const wanted = accountKey(requested);
  return [accounts.primary, ...accounts.linked].find((account) => accountKey(account) === wanted);
}
