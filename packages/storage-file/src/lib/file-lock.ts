import { randomUUID } from "node:crypto";
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import { stat } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { errnoOf, readWhole, sleep } from "./io.js";
import { isAlive, thisHost } from "./processes.js";

/** What a lock file holds: who took it and until when. @internal */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  /** Epoch milliseconds (by the clock the lock was taken with). */
  readonly expiresAt: number;
}

/** A lock this process holds. @internal */
export interface HeldLock extends LockOwner {
  readonly path: string;
}

/** What is seen at a lock path. */
type Seen = { owner: LockOwner } | { unreadable: true; mtimeMs: number } | undefined;

/** A lock file with no readable owner (its writer died between create and write) is stale after this. */
const unreadableStaleMs = 2_000;

/** The breaker guarding the removal of a stale lock is itself short-lived. */
const breakerTtlMs = 5_000;

const isOwner = (value: unknown): value is LockOwner => {
  const v = value as Partial<LockOwner> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    Number.isSafeInteger(v.pid) &&
    typeof v.host === "string" &&
    typeof v.token === "string" &&
    typeof v.expiresAt === "number"
  );
};

async function look(path: string): Promise<Seen> {
  try {
    const text = (await readWhole(path)).toString("utf8");
    try {
      const value: unknown = JSON.parse(text);
      if (isOwner(value)) return { owner: value };
    } catch {
      // fall through: unreadable
    }
    return { unreadable: true, mtimeMs: (await stat(path)).mtimeMs };
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined;
    throw error;
  }
}

/** Expired, or taken by a process of this host that no longer exists, or never written. */
function isStale(seen: NonNullable<Seen>, now: number): boolean {
  if ("unreadable" in seen) return Date.now() - seen.mtimeMs > unreadableStaleMs;
  const { owner } = seen;
  return owner.expiresAt <= now || (owner.host === thisHost && !isAlive(owner.pid));
}

function sameHolder(a: NonNullable<Seen>, b: NonNullable<Seen>): boolean {
  if ("owner" in a && "owner" in b) return a.owner.token === b.owner.token;
  if ("unreadable" in a && "unreadable" in b) return a.mtimeMs === b.mtimeMs;
  return false;
}

/**
 * Creates the lock file exclusively (`wx`, mode 0600) holding `owner`; `false` if it exists. A lock
 * file is never left empty by this process: a failed write removes it. The calls are synchronous on
 * purpose: a lock file is a few dozen bytes, and three direct system calls cost microseconds where
 * three thread-pool round trips cost a large share of a write.
 */
async function create(path: string, owner: LockOwner): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if (errnoOf(error) === "EEXIST") return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(owner));
  } catch (error) {
    closeSync(fd);
    removeIfPresent(path);
    throw error;
  }
  closeSync(fd);
  return true;
}

/** Removes `path` if it exists (synchronously, like {@link create}). */
function removeIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if (errnoOf(error) !== "ENOENT") throw error;
  }
}

/**
 * Removes the lock at `path` if it is stale, safely against other breakers: the removal happens under
 * a second exclusive file (`<path>.break`), and only if the lock still has the holder that was seen
 * stale — so a lock freshly taken by someone else is never removed. Returns true when the lock is gone.
 */
async function breakIfStale(path: string, now: () => number): Promise<boolean> {
  const seen = await look(path);
  if (seen === undefined) return true;
  if (!isStale(seen, now())) return false;
  const breaker = `${path}.break`;
  const me = { pid: process.pid, host: thisHost, token: randomUUID(), expiresAt: Date.now() + breakerTtlMs };
  if (!(await create(breaker, me))) {
    // Another breaker is at work; if it died there, clear its breaker (a tiny file with no other role).
    const other = await look(breaker);
    if (other !== undefined && isStale(other, Date.now())) removeIfPresent(breaker);
    return false;
  }
  try {
    const again = await look(path);
    if (again === undefined) return true;
    if (!sameHolder(again, seen) || !isStale(again, now())) return false;
    removeIfPresent(path);
    return true;
  } finally {
    removeIfPresent(breaker);
  }
}

/** True when the lock at `path` is held: present, unexpired, and its holder alive where that can be told. @internal */
export async function isLockHeld(path: string, now = Date.now()): Promise<boolean> {
  const seen = await look(path);
  return seen !== undefined && !isStale(seen, now);
}

/** Options of {@link acquireLock}. @internal */
export interface AcquireOptions {
  /** The lock expires this long after it is taken. */
  readonly ttlMs: number;
  /** How long to wait for a lock held elsewhere (real time). */
  readonly waitMs: number;
  /** The clock of `expiresAt`. */
  readonly now: () => number;
}

/**
 * Takes the lock file at `path` (O_EXCL create holding pid, host, token and expiry), breaking a stale
 * one, waiting up to `waitMs` with backoff. `undefined` when it stayed held.
 * @internal
 */
export async function acquireLock(path: string, options: AcquireOptions): Promise<HeldLock | undefined> {
  const deadline = performance.now() + options.waitMs;
  let delay = 1;
  for (;;) {
    const owner = {
      pid: process.pid,
      host: thisHost,
      token: randomUUID(),
      expiresAt: options.now() + options.ttlMs,
    };
    if (await create(path, owner)) return { ...owner, path };
    if (await breakIfStale(path, options.now)) continue;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    await sleep(Math.min(left, delay * (0.5 + Math.random())));
    delay = Math.min(delay * 2, 20);
  }
}

/** Options of {@link releaseLock}. @internal */
export interface ReleaseOptions {
  /** The lock's clock: after `expiresAt` by it, another process may rightfully hold it; leave it. */
  readonly now?: () => number;
  /**
   * Until this wall-clock time no other process can see the lock as stale (it is unexpired and this
   * process is alive), so it is removed without reading it back first.
   */
  readonly trustUntil?: number;
}

/**
 * Releases a held lock: removes the file only if it still holds this token and, with `now`, only
 * before the lock's expiry. Harmless twice.
 * @internal
 */
export async function releaseLock(held: HeldLock, options: ReleaseOptions = {}): Promise<void> {
  if (options.now !== undefined && options.now() >= held.expiresAt) return;
  if (options.trustUntil !== undefined && Date.now() < options.trustUntil) return removeIfPresent(held.path);
  const seen = await look(held.path);
  if (seen !== undefined && "owner" in seen && seen.owner.token === held.token) removeIfPresent(held.path);
}
