import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { storeUriOf } from "../lib/store-command.js";

/** Help text of `credstack gateway-key`. */
export const gatewayKeyUsage = `Usage: credstack gateway-key create <id> --mode delegated|service|unrestricted
                                    [--provider P]... [--account A]... [--rate-limit N]
       credstack gateway-key list
       credstack gateway-key revoke <id>
Options: [--file PATH | --store file:DIR] [--json]

Manages the token gateway's API keys in its keys file (default <store dir>/gateway-api-keys.json, the
file the gateway reads; or --file, then set apiKeysFile / CREDSTACK_GATEWAY_API_KEYS_FILE). Only the
SHA-256 of a key is stored; create prints the key once. --mode delegated: requests carry the user's
bearer token and get only that user's accounts. --mode service: the accounts given with --account
(exact, @domain or * patterns), on the --provider list (default all). --mode unrestricted: any account
(one developer on their own machine only). The gateway reads the file when it starts: restart it
after a change. Exit 5 when revoke finds no such key.`;

const options = {
  file: { type: "string" },
  store: { type: "string" },
  mode: { type: "string" },
  provider: { type: "string", multiple: true },
  account: { type: "string", multiple: true },
  "rate-limit": { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** One entry of the keys file (the gateway's `ApiKeyEntry` plus when it was created). */
interface KeyEntry {
  readonly id: string;
  readonly hash: string;
  readonly mode: "delegated" | "service" | "unrestricted";
  readonly providers?: readonly string[];
  readonly accounts?: readonly string[];
  readonly rateLimit?: number;
  readonly createdAt?: string;
}

const modes = new Set(["delegated", "service", "unrestricted"]);
const idPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** The keys file: `--file`, else `gateway-api-keys.json` in the `file:` store's directory. */
function keysFileOf(values: { file?: string | undefined; store?: string | undefined }): string {
  if (values.file !== undefined) return resolve(values.file);
  const uri = storeUriOf(values);
  if (!uri.startsWith("file:")) {
    throw new UsageError("the keys file lives beside a file: store; pass --file PATH for other stores.");
  }
  return join(resolve(uri.slice("file:".length) || "."), "gateway-api-keys.json");
}

async function readKeys(path: string): Promise<KeyEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return [];
    throw error;
  }
  const parsed = JSON.parse(text) as { apiKeys?: unknown };
  if (!Array.isArray(parsed.apiKeys)) throw new UsageError(`${path} is not a gateway keys file.`);
  return parsed.apiKeys as KeyEntry[];
}

/** Writes the file atomically, private (0600). */
async function writeKeys(path: string, entries: readonly KeyEntry[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.gateway-api-keys.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temporary, `${JSON.stringify({ apiKeys: entries }, null, 2)}\n`, {
    mode: 0o600,
    flag: "wx",
  });
  await rename(temporary, path);
}

const describe = ({ hash: _hash, ...entry }: KeyEntry) => entry;

/**
 * `credstack gateway-key create|list|revoke`: the token gateway's API keys (hashes only).
 * @returns the exit code.
 */
export async function runGatewayKey(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, gatewayKeyUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  const path = keysFileOf(values);
  if (action === "list") {
    if (id !== undefined) throw new UsageError(`list takes no arguments.\n${gatewayKeyUsage}`);
    const entries = await readKeys(path);
    if (values.json) {
      for (const entry of entries) io.out(JSON.stringify(describe(entry)));
    } else {
      for (const entry of entries) {
        const grant =
          entry.mode === "service" || entry.accounts !== undefined
            ? ` accounts: ${(entry.accounts ?? []).join(", ")}`
            : "";
        const providers = entry.providers === undefined ? "" : ` providers: ${entry.providers.join(", ")}`;
        io.out(
          `${entry.id}  ${entry.mode}${providers}${grant}${entry.createdAt ? `  (${entry.createdAt})` : ""}`,
        );
      }
      io.err(`${entries.length} key(s) in ${path}`);
    }
    return exitCodes.ok;
  }
  if (id === undefined || extra.length > 0 || (action !== "create" && action !== "revoke")) {
    throw new UsageError(gatewayKeyUsage);
  }
  if (!idPattern.test(id)) throw new UsageError("a key id is 1-64 characters [A-Za-z0-9._-].");
  const entries = await readKeys(path);
  if (action === "revoke") {
    const remaining = entries.filter((entry) => entry.id !== id);
    if (remaining.length === entries.length) {
      io.err(`credstack gateway-key: no key ${id} in ${path}`);
      return exitCodes.notFound;
    }
    await writeKeys(path, remaining);
    if (values.json) io.out(JSON.stringify({ revoked: id, file: path }));
    else io.out(`revoked ${id} in ${path} (restart the gateway to apply)`);
    return exitCodes.ok;
  }
  const mode = values.mode;
  if (mode === undefined || !modes.has(mode)) {
    throw new UsageError("--mode delegated|service|unrestricted is required: every key declares its grant.");
  }
  const accounts = values.account ?? [];
  if (mode === "service" && accounts.length === 0) {
    throw new UsageError("a service key needs --account (exact, @domain or * pattern), repeatable.");
  }
  if (mode === "unrestricted" && accounts.length > 0) {
    throw new UsageError("an unrestricted key takes no --account; use --mode service.");
  }
  let rateLimit: number | undefined;
  if (values["rate-limit"] !== undefined) {
    rateLimit = Number(values["rate-limit"]);
    if (!Number.isSafeInteger(rateLimit) || rateLimit < 1)
      throw new UsageError("--rate-limit must be a positive integer.");
  }
  if (entries.some((entry) => entry.id === id))
    throw new UsageError(`a key named ${id} exists; revoke it first.`);
  // The gateway's key format (hashApiKey/generateApiKey): csk_ + 256 random bits, stored as sha256:<hex>.
  const key = `csk_${randomBytes(32).toString("base64url")}`;
  const entry: KeyEntry = {
    id,
    hash: `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`,
    mode: mode as KeyEntry["mode"],
    ...(values.provider === undefined ? {} : { providers: values.provider }),
    ...(accounts.length === 0 ? {} : { accounts }),
    ...(rateLimit === undefined ? {} : { rateLimit }),
    createdAt: new Date().toISOString(),
  };
  await writeKeys(path, [...entries, entry]);
  if (values.json) {
    io.out(JSON.stringify({ ...describe(entry), key, file: path }));
  } else {
    io.out(`created ${mode} key ${id} in ${path} (restart the gateway to apply)`);
    io.out("The key, shown once (only its SHA-256 is stored):");
    io.out(`  X-API-Key: ${key}`);
  }
  return exitCodes.ok;
}
