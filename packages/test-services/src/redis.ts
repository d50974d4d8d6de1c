import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, hasCommand, killChild, run, startChild, stopChild, waitForPort } from "./process.js";

/** A running throwaway Redis server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Kills the server abruptly (SIGKILL), for fault tests. */
  kill(): Promise<void>;
  /** Starts it again on the same port after {@link RedisServer.kill}. */
  restart(): Promise<void>;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** Installs `redis-server` with apt when it is missing and we are root; otherwise explains how. */
export function ensureRedisInstalled(): void {
  if (hasCommand("redis-server")) return;
  if (userInfo().uid !== 0) {
    throw new Error(
      "redis-server is missing: install it (Debian: sudo apt-get install redis-server) or point the tests at a " +
        "server with CREDSTACK_TEST_REDIS_URL=redis://host:port.",
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "redis-server", "redis-tools"], { env });
}

/** Options of {@link startRedis}. */
export interface RedisOptions {
  /** Extra `redis-server` arguments, e.g. AOF persistence or cluster mode; they win over the defaults. */
  readonly args?: readonly string[];
}

/**
 * Starts a throwaway `redis-server` on a random loopback port, in a fresh temporary directory, without
 * persistence unless `options.args` asks for it.
 */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  ensureRedisInstalled();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "credstack-redis-"));
  const args = [
    "--dir",
    dir,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--protected-mode",
    "yes",
    ...(options.args ?? []),
  ];
  let child = startChild("redis-server", args);
  const launch = async () => {
    try {
      await waitForPort(port);
    } catch (error) {
      throw new Error(`redis-server did not start: ${child.output()}`, { cause: error });
    }
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async kill() {
      await killChild(child);
    },
    async restart() {
      await stopChild(child);
      child = startChild("redis-server", args);
      await launch();
    },
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
