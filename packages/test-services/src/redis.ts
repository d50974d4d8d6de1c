import { userInfo } from "node:os";
import { freePort, hasCommand, run, startChild, stopChild, waitForPort } from "./process.js";

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
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "redis-server"], { env });
}

/** Starts a throwaway `redis-server` on a random loopback port, without persistence. */
export async function startRedis(): Promise<RedisServer> {
  ensureRedisInstalled();
  const port = await freePort();
  const args = [
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
      await stopChild(child, 0);
    },
    async restart() {
      await stopChild(child);
      child = startChild("redis-server", args);
      await launch();
    },
    async stop() {
      await stopChild(child);
    },
  };
}
