import { resolve } from "node:path";
import { StoreConfigError } from "./errors.js";

/** Client settings of the backends, the same whoever opens the store. */
export interface StoreClientOptions {
  /**
   * Longest wait for a connection and for one call, in milliseconds: Postgres `connectTimeoutMs` and
   * `statementTimeoutMs`, Redis `connectTimeout` and the store's `commandTimeoutMs`.
   * @default the adapters' defaults (5000 for Postgres, 2000 for Redis calls)
   */
  readonly timeoutMs?: number;
  /** Postgres pool size. @default 10 */
  readonly poolSize?: number;
  /**
   * A PEM file of the certificate authority for TLS: Postgres gets it as `sslrootcert` (put
   * `sslmode=verify-full` in the URI), `rediss://` as ioredis `tls.ca`. Without it `rediss://` uses the
   * system CAs and Postgres follows the URI's `sslmode`.
   */
  readonly tlsCaFile?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function whole(env: Env, name: string): number | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(text)) {
    throw new StoreConfigError(`${name} must be a positive whole number.`, { source: name });
  }
  return Number(text);
}

/**
 * Client options from the environment: `CREDSTACK_STORE_TIMEOUT_MS`, `CREDSTACK_PG_POOL`,
 * `CREDSTACK_STORE_TLS_CA_FILE` (relative to `cwd`).
 * @throws StoreConfigError naming the variable for a value that is not a positive whole number.
 */
export function clientOptionsFromEnv(env: Env = process.env, cwd = process.cwd()): StoreClientOptions {
  const timeoutMs = whole(env, "CREDSTACK_STORE_TIMEOUT_MS");
  const poolSize = whole(env, "CREDSTACK_PG_POOL");
  const ca = env.CREDSTACK_STORE_TLS_CA_FILE?.trim();
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(poolSize === undefined ? {} : { poolSize }),
    ...(ca === undefined || ca === "" ? {} : { tlsCaFile: resolve(cwd, ca) }),
  };
}

/**
 * `CREDSTACK_SEAL_FORMAT` (`1` or `2`, default 2): the record seal format new writes use; `1` only while a
 * rolling upgrade still runs processes that cannot open format 2.
 * @throws StoreConfigError for another value.
 */
export function sealFormatFromEnv(env: Env = process.env): 1 | 2 {
  const text = env.CREDSTACK_SEAL_FORMAT?.trim();
  if (text === undefined || text === "" || text === "2") return 2;
  if (text === "1") return 1;
  throw new StoreConfigError("CREDSTACK_SEAL_FORMAT must be 1 or 2.", { source: "CREDSTACK_SEAL_FORMAT" });
}
