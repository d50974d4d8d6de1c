import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isCredstackError } from "@credstack/errors";
import type { KeyReload } from "@credstack/open-store";
import { z } from "zod";
import {
  apiKeyEntry,
  apiKeyOf,
  type GatewayConfig,
  loadGatewayConfig,
  resolveGatewayConfig,
} from "./config.js";
import { GatewayConfigError } from "./errors.js";
import { createGateway, type Gateway } from "./gateway.js";
import { type ApiKeyEntry, generateApiKey } from "./lib/api-keys.js";
import { issuesOf } from "./lib/schemas.js";
import { type OpenedStore, openStore } from "./store-uri.js";

/** Options of {@link runGateway}. */
export interface RunGatewayOptions {
  /** Environment. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Working directory (relative paths, the default config file). @default process.cwd() */
  readonly cwd?: string;
  /** Where start-up notes go (the URL, a created API key). @default process.stderr */
  readonly print?: (line: string) => void;
  /**
   * Fastify logging. `CREDSTACK_GATEWAY_LOG=all` also logs every request (`requestLog: "all"`); by default
   * failed requests only (successful ones are in the audit events). @default true unless CREDSTACK_GATEWAY_LOG=off
   */
  readonly logger?: boolean;
  /**
   * Reload the store keys on `SIGHUP` (and when the key-ring file or a key file changes, checked every
   * `CREDSTACK_KEY_WATCH_MS`, default 1000; 0 turns watching off). @default true
   */
  readonly reloadKeys?: boolean;
}

/** A running gateway started by {@link runGateway}. */
export interface RunningGateway {
  readonly gateway: Gateway;
  /** The base URL it listens on. */
  readonly url: string;
  /** Closes the gateway, then the store. */
  stop(): Promise<void>;
}

/** Reads an API keys file (`{ "apiKeys": [...] }`, as `credstack gateway-key` writes it). @throws GatewayConfigError */
export async function readApiKeysFile(path: string): Promise<ApiKeyEntry[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new GatewayConfigError(`Cannot read the API keys file ${path}.`, { cause: error });
  }
  const result = apiKeysFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new GatewayConfigError(
      `The API keys file ${path} is invalid: ${issuesOf(result.error, { file: path }).join("; ")}`,
    );
  }
  return result.data.apiKeys.map(apiKeyOf);
}

const apiKeysFileSchema = z.object({ apiKeys: z.array(apiKeyEntry) });

/**
 * The API keys file of a `file:` store without configured keys: `<dir>/gateway-api-keys.json`. Created on
 * first start with one `unrestricted` key — for one developer on their own machine; production
 * deployments configure `delegated` or `service` keys instead.
 */
async function localApiKeys(dir: string, print: (line: string) => void): Promise<ApiKeyEntry[]> {
  const path = join(dir, "gateway-api-keys.json");
  if (existsSync(path)) return readApiKeysFile(path);
  const { key, hash } = generateApiKey();
  const entries: ApiKeyEntry[] = [{ id: "local", hash, mode: "unrestricted" }];
  await writeFile(path, `${JSON.stringify({ apiKeys: entries }, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  print(`Created API key "local" (shown once; its SHA-256 is in ${path}):`);
  print(`  X-API-Key: ${key}`);
  print(
    '  It is UNRESTRICTED (any account on any provider): for one developer on this machine only. In production use delegated or service keys (docs/gateway.md, "Threat model").',
  );
  return entries;
}

/** Reloads the store keys on SIGHUP and on key file changes; returns the function that stops both. */
function reloadKeysOf(
  opened: OpenedStore,
  env: Readonly<Record<string, string | undefined>>,
  print: (line: string) => void,
): () => void {
  const report = (result: KeyReload | Error) =>
    print(
      result instanceof Error
        ? `Key reload failed, keeping the current keys: ${isCredstackError(result) ? `${result.code}: ` : ""}${result.message}`
        : `Keys reloaded: sealing with ${result.sealingKeyId}, ${result.keyCount} key(s) open (${result.source}).`,
    );
  const onHangup = () => {
    opened.reloadKeys().then(report, report);
  };
  process.on("SIGHUP", onHangup);
  const interval = Number(env.CREDSTACK_KEY_WATCH_MS ?? 1000);
  const stopWatching =
    Number.isFinite(interval) && interval > 0 ? opened.watchKeys(report, interval) : () => {};
  return () => {
    process.off("SIGHUP", onHangup);
    stopWatching();
  };
}

/**
 * Starts the gateway as `credstack-gateway` (and `pnpm start`) does: the config file
 * `CREDSTACK_GATEWAY_CONFIG` (default `./credstack-gateway.json` when present), the store
 * `CREDSTACK_STORE` (default `file:.credstack`), then listens. On the embedded default without configured
 * API keys it creates one, prints it once and keeps its hash in the store directory.
 */
export async function runGateway(options: RunGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const print = options.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const explicit = env.CREDSTACK_GATEWAY_CONFIG;
  const path = explicit === undefined ? resolve(cwd, "credstack-gateway.json") : resolve(cwd, explicit);
  const config: GatewayConfig =
    explicit !== undefined || existsSync(path)
      ? await loadGatewayConfig(path)
      : { providers: {}, apiKeys: [] };
  const resolved = resolveGatewayConfig(config, env);
  const opened = await openStore(resolved.store, env, cwd);
  for (const warning of opened.warnings) print(warning);
  const stopReloading = options.reloadKeys === false ? () => {} : reloadKeysOf(opened, env, print);
  let redis: { quit(): Promise<unknown> } | undefined;
  try {
    let apiKeys = resolved.apiKeys;
    if (resolved.apiKeysFile !== undefined) {
      apiKeys = [...apiKeys, ...(await readApiKeysFile(resolve(cwd, resolved.apiKeysFile)))];
    }
    if (apiKeys.length === 0 && opened.dir !== undefined) apiKeys = await localApiKeys(opened.dir, print);
    if (apiKeys.length === 0) {
      throw new GatewayConfigError(
        "No API keys: add apiKeys to the config file or set CREDSTACK_GATEWAY_API_KEYS.",
      );
    }
    if (Object.keys(resolved.providers).length === 0) {
      print(
        "No providers configured: add a config file or set GOOGLE_CLIENT_ID, MICROSOFT_CLIENT_ID or GITHUB_CLIENT_ID.",
      );
    }
    if (resolved.rateLimitRedis !== undefined) {
      const { Redis } = await import("ioredis");
      redis = new Redis(resolved.rateLimitRedis, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
    }
    const gateway = await createGateway({
      ...resolved.options,
      ...(redis === undefined ? {} : { rateLimit: { ...resolved.options.rateLimit, redis } }),
      store: opened.store,
      providers: resolved.providers,
      apiKeys,
      logger: options.logger ?? env.CREDSTACK_GATEWAY_LOG !== "off",
      ...(env.CREDSTACK_GATEWAY_LOG === "all" ? { requestLog: "all" as const } : {}),
    });
    const url = await gateway.listen({ host: resolved.host, port: resolved.port });
    print(
      `credstack gateway on ${url} (store ${opened.description}; providers: ${Object.keys(resolved.providers).join(", ") || "none"})`,
    );
    if (gateway.metricsUrl !== undefined) print(`metrics on ${gateway.metricsUrl}`);
    return {
      gateway,
      url,
      async stop() {
        stopReloading();
        await gateway.close();
        await redis?.quit().catch(() => {});
        await opened.store.close();
      },
    };
  } catch (error) {
    stopReloading();
    await redis?.quit().catch(() => {});
    await opened.store.close();
    throw error;
  }
}
