import { randomBytes } from "node:crypto";
import { CoreConfigError } from "./errors.js";
import type { Clock } from "./types.js";

/** A signed-in caller. The id is a secret (it is the bearer of the session). */
export interface Session {
  /** The session id (secret; never logged). */
  readonly id: string;
  /** The caller's identity id. */
  readonly identityId: string;
  /** The caller's account. */
  readonly account: string;
  /** Created, epoch ms. */
  readonly createdAt: number;
  /** Last read, epoch ms (idle expiry counts from here). */
  readonly lastSeenAt: number;
  /** Absolute end, epoch ms: never moves. */
  readonly expiresAt: number;
}

/** Where {@link sessions} looks sessions up. */
export interface SessionStore {
  /** Creates a session for a verified caller. */
  create(input: { readonly identityId?: string; readonly account: string }): Promise<Session>;
  /** The live session `id` (touching its idle timer, never its absolute end), or `undefined`. */
  get(id: string): Promise<Session | undefined>;
  /** Ends a session. */
  delete(id: string): Promise<boolean>;
  /** Stops timers. */
  close(): Promise<void>;
}

/** Options of {@link memorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** A session unused this long ends. @default 1800000 (30 min) */
  readonly idleTimeoutMs?: number;
  /** A session ends this long after creation, however much it is used. @default 43200000 (12 h) */
  readonly absoluteTimeoutMs?: number;
  /** How often expired sessions are swept (on a timer, `unref`ed). @default 60000 */
  readonly sweepIntervalMs?: number;
  /** Clock. @default Date.now */
  readonly clock?: Clock;
}

/** The memory session store, with its sweep and size for tests and metrics. */
export interface MemorySessionStore extends SessionStore {
  /** Removes expired sessions now; returns how many. */
  sweep(): number;
  /** Live and not yet swept sessions. */
  readonly size: number;
}

/**
 * Sessions in memory with idle AND absolute expiry. Reading a session extends only its idle timer, never
 * its absolute lifetime; a timer sweeps expired sessions even when nobody asks for them.
 */
export function memorySessionStore(options: MemorySessionStoreOptions = {}): MemorySessionStore {
  const idle = options.idleTimeoutMs ?? 30 * 60_000;
  const absolute = options.absoluteTimeoutMs ?? 12 * 3_600_000;
  const every = options.sweepIntervalMs ?? 60_000;
  for (const [name, value] of Object.entries({ idle, absolute, every })) {
    if (!Number.isFinite(value) || value <= 0)
      throw new CoreConfigError(`memorySessionStore: ${name} must be positive.`);
  }
  const clock = options.clock ?? Date.now;
  const sessions = new Map<string, Session>();
  const expired = (session: Session, now: number) =>
    now >= session.expiresAt || now - session.lastSeenAt >= idle;
  const sweep = (): number => {
    const now = clock();
    let removed = 0;
    for (const [id, session] of sessions) {
      if (expired(session, now)) {
        sessions.delete(id);
        removed++;
      }
    }
    return removed;
  };
  const timer = setInterval(sweep, every);
  timer.unref();
  return {
    async create(input) {
      const now = clock();
      const id = randomBytes(32).toString("base64url");
      const session: Session = Object.freeze({
        id,
        identityId: input.identityId ?? `account:${input.account}`,
        account: input.account,
        createdAt: now,
        lastSeenAt: now,
        expiresAt: now + absolute,
      });
      sessions.set(id, session);
      return session;
    },
    async get(id) {
      const session = sessions.get(id);
      if (session === undefined) return undefined;
      const now = clock();
      if (expired(session, now)) {
        sessions.delete(id);
        return undefined;
      }
      const touched = Object.freeze({ ...session, lastSeenAt: now });
      sessions.set(id, touched);
      return touched;
    },
    async delete(id) {
      return sessions.delete(id);
    },
    sweep,
    get size() {
      return sessions.size;
    },
    async close() {
      clearInterval(timer);
    },
  };
}
