import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureRedisInstalled, freePort, waitForPort } from "@credstack/test-services";

/** A redis-server of our own, for layouts `startRedis()` does not offer (AOF persistence, cluster mode). */
export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL, no shutdown save. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (so with the same AOF / cluster config). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const exit = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
  });

/** Starts `redis-server` on a random loopback port in a fresh directory with `extra` arguments. */
export async function startOwnRedis(extra: readonly string[]): Promise<OwnRedis> {
  ensureRedisInstalled();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "credstack-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", ...extra];
  let child: ChildProcess;
  const launch = async () => {
    child = spawn("redis-server", args, { stdio: "ignore" });
    await waitForPort(port);
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => exit(child, "SIGKILL"),
    async restart() {
      await exit(child, "SIGKILL");
      await launch();
    },
    async stop() {
      await exit(child, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
