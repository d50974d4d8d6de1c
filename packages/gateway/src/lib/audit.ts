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

/** Most pseudonyms remembered (an HMAC per served token otherwise); beyond, the oldest is forgotten. */
const maxLabels = 10_000;

/**
 * @param sinks Whether anything receives events besides `options.onEvent` (the log at info level,
 *   metrics); checked per event. Without a receiver an event is not built (no pseudonym, no copy).
 * @internal
 */
export function auditTrail(
  options: GatewayAuditOptions | undefined,
  log: (event: AuditEvent) => void,
  clock: () => number,
  sinks: () => boolean = () => true,
): AuditTrail {
  const key = options?.pseudonymKey ?? randomBytes(32).toString("base64url");
  const clear = options?.clearAccounts === true;
  const onEvent = options?.onEvent;
  // Pseudonyms of recent accounts: the same few accounts are served over and over. The map holds what
  // the record cache holds anyway (accounts), never a secret.
  const labels = new Map<string, string>();
  const label = (value: string) => {
    if (clear) return value;
    let found = labels.get(value);
    if (found === undefined) {
      found = `acct_${createHmac("sha256", key).update(accountKey(value)).digest("base64url").slice(0, 22)}`;
      if (labels.size >= maxLabels) labels.delete(labels.keys().next().value as string);
      labels.set(value, found);
    }
    return found;
  };
  return {
    label,
    emit(event) {
      if (onEvent === undefined && !sinks()) return;
      const full: AuditEvent = {
        ...event,
        time: clock(),
        ...(event.account === undefined ? {} : { account: label(event.account) }),
        ...(event.identity === undefined ? {} : { identity: label(event.identity) }),
      };
      log(full);
      try {
        onEvent?.(full);
      } catch {
        // A failing hook must not fail the request.
      }
    },
  };
}
