import { randomBytes } from "node:crypto";
import type { AuthorizationTransaction, TransactionStore } from "@credstack/core";
import { isCredstackError } from "@credstack/errors";
import type { CredentialRecord, CredentialStore } from "@credstack/storage";

/**
 * Pending authorizations and their sessions live in the credential store itself, under two reserved
 * provider slugs, so every replica sharing the store can finish a flow another replica started. The
 * transaction (with the PKCE verifier) sits in `metadata`, which the store seals with its cipher.
 */
export const transactionProvider = "credstack-gateway.tx";
/** @internal */
export const sessionProvider = "credstack-gateway.session";
/** Claims of authorization codes being redeemed (one redemption per code, across replicas). @internal */
export const codeClaimProvider = "credstack-gateway.code";
/** Slugs configured providers may not use. @internal */
export const reservedPrefix = "credstack-gateway";

const isConflict = (error: unknown) => isCredstackError(error) && error.code === "ERR_VERSION_CONFLICT";

/** A flow session as `GET /auth/status` reports it. @internal */
export interface FlowSession {
  readonly id: string;
  readonly status: "pending" | "completed" | "failed";
  readonly provider: string;
  readonly account?: string;
  readonly scopes?: readonly string[];
  readonly expiresAt: number;
  readonly error?: string;
  /** The API key that started it: only that key may read it. */
  readonly apiKeyId: string;
  readonly transactionId: string;
}

/** Transactions (core's `TransactionStore`, atomic `take` by compare-and-delete) and sessions. @internal */
export interface FlowRecords extends TransactionStore {
  /** The session id a pending transaction belongs to, without taking it. */
  sessionOf(transactionId: string): Promise<{ sessionId: string; provider: string } | undefined>;
  /** The session of a transaction, created on first call (concurrent calls may share a transaction). */
  openSession(
    transactionId: string,
    details: Omit<FlowSession, "id" | "status" | "transactionId" | "expiresAt">,
  ): Promise<FlowSession | undefined>;
  readSession(id: string): Promise<FlowSession | undefined>;
  finishSession(
    id: string,
    outcome: Pick<FlowSession, "status"> & Partial<Pick<FlowSession, "account" | "scopes" | "error">>,
  ): Promise<void>;
  /** Deletes expired transactions and sessions; returns how many. */
  sweep(now: number): Promise<number>;
}

/** How long a finished session stays readable after its flow's expiry. */
const sessionGraceMs = 3_600_000;

function sessionFrom(record: CredentialRecord): FlowSession | undefined {
  const data = record.metadata?.session as FlowSession | undefined;
  return data === undefined ? undefined : { ...data, id: record.account };
}

/** @internal */
export function flowRecords(store: CredentialStore, clock: () => number): FlowRecords {
  async function update(
    key: { provider: string; account: string },
    change: (record: CredentialRecord) => CredentialRecord | undefined,
  ): Promise<CredentialRecord | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await store.get(key);
      if (current === undefined) return undefined;
      const next = change(current);
      if (next === undefined) return current;
      try {
        return await store.put(next, { expectedVersion: current.version });
      } catch (error) {
        if (!isConflict(error)) throw error;
      }
    }
    return undefined;
  }

  return {
    async put(transaction) {
      await store.put(
        {
          provider: transactionProvider,
          account: transaction.id,
          tokenType: "none",
          scopes: [],
          expiresAt: transaction.expiresAt,
          metadata: { transaction: { ...transaction } },
        },
        { expectedVersion: 0 },
      );
    },
    async take(id) {
      const key = { provider: transactionProvider, account: id };
      const record = await store.get(key);
      if (record === undefined) return undefined;
      try {
        // Compare-and-delete: of two replicas taking the same state, exactly one wins.
        if (!(await store.delete(key, { expectedVersion: record.version }))) return undefined;
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
      const transaction = record.metadata?.transaction as AuthorizationTransaction | undefined;
      if (transaction === undefined || transaction.expiresAt <= clock()) return undefined;
      return transaction;
    },
    async peek(id) {
      const record = await store.get({ provider: transactionProvider, account: id });
      const transaction = record?.metadata?.transaction as AuthorizationTransaction | undefined;
      return transaction !== undefined && transaction.expiresAt > clock() ? transaction : undefined;
    },
    async claimCode(id, codeHash, expiresAt) {
      try {
        await store.put(
          {
            provider: codeClaimProvider,
            account: codeHash,
            tokenType: "none",
            scopes: [],
            expiresAt,
            metadata: { transactionId: id },
          },
          { expectedVersion: 0 },
        );
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    },
    async has(id) {
      const record = await store.get({ provider: transactionProvider, account: id });
      const transaction = record?.metadata?.transaction as AuthorizationTransaction | undefined;
      return transaction !== undefined && transaction.expiresAt > clock();
    },
    async sessionOf(transactionId) {
      const record = await store.get({ provider: transactionProvider, account: transactionId });
      const sessionId = record?.metadata?.sessionId;
      const transaction = record?.metadata?.transaction as AuthorizationTransaction | undefined;
      if (typeof sessionId !== "string" || transaction === undefined) return undefined;
      return { sessionId, provider: transaction.provider };
    },
    async openSession(transactionId, details) {
      const id = randomBytes(16).toString("hex");
      let sessionId = id;
      let expiresAt = 0;
      const found = await update({ provider: transactionProvider, account: transactionId }, (record) => {
        expiresAt = record.expiresAt ?? 0;
        const existing = record.metadata?.sessionId;
        if (typeof existing === "string") {
          sessionId = existing;
          return undefined;
        }
        sessionId = id;
        return { ...record, metadata: { ...record.metadata, sessionId: id } };
      });
      if (found === undefined) return undefined;
      if (sessionId !== id) {
        const existing = await this.readSession(sessionId);
        if (existing !== undefined && existing.apiKeyId === details.apiKeyId) return existing;
      }
      const session: FlowSession = { ...details, id, status: "pending", transactionId, expiresAt };
      await store.put(
        {
          provider: sessionProvider,
          account: id,
          tokenType: "none",
          scopes: [],
          expiresAt: expiresAt + sessionGraceMs,
          metadata: { session: JSON.parse(JSON.stringify(session)) },
        },
        { expectedVersion: 0 },
      );
      return session;
    },
    async readSession(id) {
      const record = await store.get({ provider: sessionProvider, account: id });
      if (record === undefined) return undefined;
      if ((record.expiresAt ?? 0) <= clock()) return undefined;
      return sessionFrom(record);
    },
    async finishSession(id, outcome) {
      await update({ provider: sessionProvider, account: id }, (record) => {
        const session = sessionFrom(record);
        if (session === undefined || session.status !== "pending") return undefined;
        const next = { ...session, ...outcome };
        return {
          ...record,
          expiresAt: clock() + sessionGraceMs,
          metadata: { session: JSON.parse(JSON.stringify(next)) },
        };
      });
    },
    async sweep(now) {
      let removed = 0;
      for (const provider of [transactionProvider, sessionProvider, codeClaimProvider]) {
        const expired: { provider: string; account: string; version: number }[] = [];
        for await (const key of store.list({ provider })) {
          const record = await store.get(key);
          if (record !== undefined && (record.expiresAt ?? 0) <= now) {
            expired.push({ ...key, version: record.version });
          }
        }
        for (const { version, ...key } of expired) {
          try {
            if (await store.delete(key, { expectedVersion: version })) removed++;
          } catch (error) {
            if (!isConflict(error)) throw error;
          }
        }
      }
      return removed;
    },
  };
}
