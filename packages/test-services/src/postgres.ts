import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort, hasCommand, run } from "./process.js";

/** A running throwaway PostgreSQL cluster. */
export interface PostgresServer {
  /** Connection string (`postgres://credstack@127.0.0.1:PORT/postgres`, trust auth on loopback). */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Crashes the server (`pg_ctl stop -m immediate`: no shutdown checkpoint, clients cut), for fault tests. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data after {@link PostgresServer.kill}. */
  restart(): Promise<void>;
  /** Stops the server (fast shutdown) and removes its data directory. */
  stop(): Promise<void>;
}

const installHint =
  "PostgreSQL binaries (initdb, pg_ctl) are missing: install them (Debian: apt-get install postgresql-15) " +
  "or point the tests at a server with CREDSTACK_TEST_PG_URL=postgres://user@host:port/db.";

/**
 * Starts a throwaway PostgreSQL cluster: `initdb` into a temporary directory (as the `postgres` user when
 * running as root, since PostgreSQL refuses to run as root), on a random loopback port, without fsync.
 */
export async function startPostgres(): Promise<PostgresServer> {
  if (!hasCommand("initdb") || !hasCommand("pg_ctl")) throw new Error(installHint);
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "credstack-pg-"));
  const owner = asRoot ? run("id", ["-u", "postgres"]).trim() : undefined;
  if (owner !== undefined) {
    const gid = Number(run("id", ["-g", "postgres"]).trim());
    chownSync(dir, Number(owner), gid);
  }
  const as = (command: string, args: string[]): string =>
    asRoot ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);
  const data = join(dir, "data");
  as("initdb", ["-D", data, "-A", "trust", "-U", "credstack", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  const start = () =>
    as("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "30", "start"]);
  start();
  let stopped = false;
  let running = true;
  return {
    url: `postgres://credstack@127.0.0.1:${port}/postgres`,
    port,
    async kill() {
      if (!running) return;
      running = false;
      as("pg_ctl", ["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]);
    },
    async restart() {
      if (running) return;
      start();
      running = true;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        if (running) as("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
