import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { errnoOf } from "./io.js";

/** This host's name (lock files record it). @internal */
export const thisHost = hostname();

/** A short tag of this host for file names: the first 8 hex digits of SHA-256 of its name. @internal */
export const thisHostTag = createHash("sha256").update(thisHost).digest("hex").slice(0, 8);

/** True when process `pid` exists on this host (EPERM: it exists but belongs to someone else). @internal */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === "EPERM";
  }
}

/**
 * When process `pid` started, in clock ticks since boot (field 22 of `/proc/<pid>/stat`), as decimal
 * text; `undefined` where there is no `/proc` or the process is gone. Together with the pid it names one
 * process even after its pid is reused. @internal
 */
export function startTokenOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = fields[19];
    return start !== undefined && /^[0-9]+$/.test(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

/** This process's start token, `"0"` where it cannot be known. @internal */
export const thisStartToken = startTokenOf(process.pid) ?? "0";
