import { randomBytes } from "node:crypto";
import { readdir, stat, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isLockHeld } from "./file-lock.js";
import { lockNameOf } from "./file-names.js";
import { errnoOf, io } from "./io.js";
import { isAlive, startTokenOf, thisHostTag, thisStartToken } from "./processes.js";

/** Prefix of temporary files; dot-prefixed, so never a record name. @internal */
export const tempPrefix = ".tmp-";

/**
 * A temporary file of a writer that may be alive (another host, a reused pid, or a name from an older
 * version) is removed only once it is older than this and its key's lock is free.
 * @internal
 */
export const tempMaxAgeMs = 60_000;

/**
 * The name of a temporary file for the record file `stem`: it names its writer —
 * `.tmp-<stem>.<host tag>.<pid>.<start token>.<random>` — so a sweep can tell a dead writer's leftover
 * from a live writer's file. @internal
 */
export function tempNameFor(stem: string): string {
  return `${tempPrefix}${stem}.${thisHostTag}.${process.pid}.${thisStartToken}.${randomBytes(6).toString("hex")}`;
}

/** The writer a temporary file name names. */
interface TempWriter {
  readonly stem: string;
  readonly host: string;
  readonly pid: number;
  readonly start: string;
}

const tempName = /^\.tmp-([a-z0-9-]+)\.([0-9a-f]{8})\.([0-9]{1,10})\.([0-9]{1,20})\.[0-9a-f]{12}$/;

/** The writer named by a temporary file name, or `undefined` for names of older versions. @internal */
export function parseTempName(name: string): TempWriter | undefined {
  const match = tempName.exec(name);
  if (match === null) return undefined;
  const [, stem, host, pid, start] = match as unknown as [string, string, string, string, string];
  return { stem, host, pid: Number(pid), start };
}

/** True when the named writer is a process of this host that has exited (its pid gone or reused). */
function writerIsDead(writer: TempWriter): boolean {
  if (writer.host !== thisHostTag) return false;
  if (writer.pid === process.pid) return writer.start !== thisStartToken && thisStartToken !== "0";
  if (!isAlive(writer.pid)) return true;
  if (writer.start === "0") return false;
  const current = startTokenOf(writer.pid);
  return current !== undefined && current !== writer.start;
}

/** Whether the temporary file `name` in `dir`, last modified at `mtimeMs`, may be removed. */
async function isStale(dir: string, name: string, mtimeMs: number, now: number): Promise<boolean> {
  const writer = parseTempName(name);
  if (writer !== undefined && writerIsDead(writer)) return true;
  if (now - mtimeMs <= tempMaxAgeMs) return false;
  if (writer === undefined) return true;
  return !(await isLockHeld(join(dir, lockNameOf(writer.stem))));
}

/** What {@link sweepTempFiles} found. */
export interface TempSweep {
  /** Paths of temporary files left by writers that are gone (removed unless `dryRun`). */
  readonly stale: readonly string[];
  /** Paths of temporary files that may belong to a live writer (kept). */
  readonly live: readonly string[];
}

/**
 * Finds the temporary files of a file store directory and removes those left by writers that are gone:
 * a writer process of this host that has exited (its pid is gone or belongs to a newer process), or —
 * for writers on other hosts and names written by older versions — a file older than a minute whose
 * key lock nobody holds. A live writer's temporary file is never removed. File stores do this when
 * they open; `credstack doctor --fix` does it on demand. A directory that cannot be read (missing, not a
 * directory) rejects with `StoreUnavailableError` (`ERR_STORE_UNAVAILABLE`), the system error as `cause`.
 *
 * @example
 * ```ts
 * declare const dir: string; // an existing file store's directory, as given to fileStore({ dir })
 * const { stale } = await sweepTempFiles(dir, { dryRun: true });
 * ```
 */
export async function sweepTempFiles(
  dir: string,
  options: { readonly dryRun?: boolean; readonly now?: number } = {},
): Promise<TempSweep> {
  const now = options.now ?? Date.now();
  const stale: string[] = [];
  const live: string[] = [];
  for (const name of await io("read its directory", () => readdir(dir))) {
    if (!name.startsWith(tempPrefix)) continue;
    const path = join(dir, name);
    try {
      const info = await stat(path);
      if (!info.isFile()) continue;
      if (!(await isStale(dir, name, info.mtimeMs, now))) {
        live.push(path);
        continue;
      }
      if (options.dryRun !== true) await unlink(path);
      stale.push(path);
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw error;
    }
  }
  return { stale, live };
}
