import { freePort, hasCommand, run } from "./process.js";
import { ensureRedisInstalled, type RedisServer, startRedis } from "./redis.js";

/** A running throwaway Redis Cluster on loopback. */
export interface RedisClusterServer {
  /** Every node (masters first, as created; roles change on failover). */
  readonly nodes: readonly RedisServer[];
  /** `{ host, port }` of every node, for `new Cluster(startupNodes)`. */
  readonly startupNodes: readonly { readonly host: string; readonly port: number }[];
  /** Stops every node and removes their directories. */
  stop(): Promise<void>;
}

/** Options of {@link startRedisCluster}. */
export interface RedisClusterOptions {
  /** Masters (at least 3, as `redis-cli --cluster create` requires). @default 3 */
  readonly masters?: number;
  /** Replicas per master. @default 1 */
  readonly replicasPerMaster?: number;
  /**
   * `cluster-node-timeout`: how long a master may be unreachable before its replica takes over.
   * @default 1000
   */
  readonly nodeTimeoutMs?: number;
}

/** Installs `redis-cli` (Debian package `redis-tools`) when missing and we are root; otherwise explains how. */
function ensureRedisCli(): void {
  ensureRedisInstalled();
  if (hasCommand("redis-cli")) return;
  if (process.getuid?.() !== 0) {
    throw new Error("redis-cli is missing: install it (Debian: sudo apt-get install redis-tools).");
  }
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  run("apt-get", ["update", "-qq"], { env });
  run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "redis-tools"], { env });
}

/**
 * Starts a Redis Cluster on loopback: `masters × (1 + replicasPerMaster)` `redis-server --cluster-enabled
 * yes` nodes (each in its own directory, AOF on, cluster bus on a free port of its own), joined by
 * `redis-cli --cluster create --cluster-replicas N --cluster-yes`; resolves once every node reports
 * `cluster_state:ok`, every slot is served and every replica's link to its master is up.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterServer> {
  ensureRedisCli();
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  if (!Number.isInteger(masters) || masters < 3) throw new Error("A Redis Cluster needs at least 3 masters.");
  const timeout = String(options.nodeTimeoutMs ?? 1000);
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters * (1 + replicas); i++) {
      const bus = await freePort();
      nodes.push(
        await startRedis({
          args: [
            "--cluster-enabled",
            "yes",
            "--cluster-port",
            String(bus),
            "--cluster-node-timeout",
            timeout,
            "--cluster-announce-ip",
            "127.0.0.1",
            "--appendonly",
            "yes",
          ],
        }),
      );
    }
    run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      "--cluster-replicas",
      String(replicas),
      "--cluster-yes",
    ]);
    const deadline = Date.now() + 30_000;
    for (const node of nodes) {
      for (;;) {
        const info = run("redis-cli", ["-p", String(node.port), "CLUSTER", "INFO"]);
        const replication = run("redis-cli", ["-p", String(node.port), "INFO", "replication"]);
        const linked = replication.includes("role:master")
          ? (replication.match(/state=online/g) ?? []).length === replicas
          : replication.includes("master_link_status:up");
        if (info.includes("cluster_state:ok") && info.includes("cluster_slots_ok:16384") && linked) break;
        if (Date.now() > deadline) throw new Error(`cluster not ready on port ${node.port}:\n${info}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await Promise.allSettled(nodes.map((node) => node.stop()));
    throw error;
  }
  return {
    nodes,
    startupNodes: nodes.map((node) => ({ host: "127.0.0.1", port: node.port })),
    async stop() {
      await Promise.allSettled(nodes.map((node) => node.stop()));
    },
  };
}
