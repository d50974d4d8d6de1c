import { createHmac, randomBytes } from "node:crypto";
import { accountKey } from "@credstack/storage";

/** What happened. */
export type AuditEventType =
  | "authorization_started"
  | "authorization_completed"
  | "authorization_refused"
  | "token_served"
  | "access_refused"
  | "key_refused"
  | "refresh"
  | "revoke"
  | "credential_unreadable";

/**
 * One audit event: who (API key, verified identity) obtained or was refused which account's credential.
 * Accounts and identities are pseudonyms (`acct_…`, a keyed HMAC) unless the gateway's `audit.clearAccounts`
 * is set. Never holds a token or a key.
 */
export interface AuditEvent {
  /** What happened. */
  readonly type: AuditEventType;
  /** When (epoch ms). */
  readonly time: number;
  /** The API key's id, when one was presented and valid. */
  readonly keyId?: string;
  /** The verified end-user identity (delegated keys), pseudonymised like accounts. */
  readonly identity?: string;
  /** The account concerned, pseudonymised unless `clearAccounts`. */
  readonly account?: string;
  /** The provider slug. */
  readonly provider?: string;
  /** The scopes served or requested. */
  readonly scopes?: readonly string[];
  /** Why (for refusals, refresh outcomes, unreadable records): a stable code, never a secret. */
  readonly reason?: string;
}

/** Audit options of the gateway. */
export interface GatewayAuditOptions {
  /** Receives every audit event (also written to the gateway log as `{ audit }` at info level). */
  readonly onEvent?: (event: AuditEvent) => void;
  /** Log accounts and identities in clear text instead of pseudonyms. @default false */
  readonly clearAccounts?: boolean;
  /**
   * The HMAC key of the pseudonyms (at least 16 characters). Set it to correlate pseudonyms across
   * restarts and replicas. @default a random key per process
   */
  readonly pseudonymKey?: string;
}

/** The audit sink: one hook, pseudonymised. @internal */
export interface AuditTrail {
  emit(event: Omit<AuditEvent, "time">): void;
  /** The pseudonym (or clear text) an account is logged under. */
  label(account: string): string;
}

/** @internal */
export function auditTrail(
  options: GatewayAuditOptions | undefined,
  log: (event: AuditEvent) => void,
  clock: () => number,
): AuditTrail {
  const key = options?.pseudonymKey ?? randomBytes(32).toString("base64url");
  const clear = options?.clearAccounts === true;
  const label = (value: string) =>
    clear
      ? value
      : `acct_${createHmac("sha256", key).update(accountKey(value)).digest("base64url").slice(0, 22)}`;
  return {
    label,
    emit(event) {
      const full: AuditEvent = {
        ...event,
        time: clock(),
        ...(event.account === undefined ? {} : { account: label(event.account) }),
        ...(event.identity === undefined ? {} : { identity: label(event.identity) }),
      };
      log(full);
      try {
        options?.onEvent?.(full);
      } catch {
        // A failing hook must not fail the request.
      }
    },
  };
}
