import { readFile, stat } from "node:fs/promises";
import { resolve } from "node:path";
import type { ImportFileReport, LegacyKeys, LegacyOAuthIdentity } from "@credstack/compat";
import { type CommandIO, UsageError } from "../io.js";
import { showAccount } from "./format.js";

/** The options that tell the CLI how to read a legacy directory (`import-legacy`, `migrate --from legacy:`). */
export const legacyOptionSpec = {
  mapping: { type: "string" },
  "legacy-key-file": { type: "string" },
  "mcp-api-key-env": { type: "string" },
  "user-keys": { type: "string" },
  "oauth-identities": { type: "string" },
} as const;

/** Help lines for {@link legacyOptionSpec}. */
export const legacyOptionsHelp = `Legacy directory options:
  --mapping FILE           JSON {"<file or safe name>": "<account>"} for names no evidence settles
  --legacy-key-file FILE   the legacy .auth_encryption_key (default: <dir>/.auth_encryption_key)
  --mcp-api-key-env VAR    the variable holding the legacy MCP_API_KEY
  --user-keys FILE         JSON {"<email>": "<per-user key>"}: opens per-user envelopes and binds
                           their recipients to that account (keys are read from the file, never argv)
  --oauth-identities FILE  JSON {"<email>": {"sub": "<Google sub>", "password": "<linkage password>"}}
                           (or {"<email>": "<sub>"}) for envelopes sealed to a Google identity`;

type Values = {
  mapping?: string | undefined;
  "legacy-key-file"?: string | undefined;
  "mcp-api-key-env"?: string | undefined;
  "user-keys"?: string | undefined;
  "oauth-identities"?: string | undefined;
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

async function readJsonObject(
  option: string,
  path: string,
  io: CommandIO,
  secret: boolean,
): Promise<Record<string, unknown>> {
  let parsed: unknown;
  try {
    if (secret && ((await stat(path)).mode & 0o077) !== 0) {
      io.err(`warning: --${option} ${path} is readable by other users; it holds secrets (chmod 600).`);
    }
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    // The message of a JSON error can quote the file's text: never repeat it for a file of secrets.
    const why = secret ? ((error as NodeJS.ErrnoException).code ?? "not JSON") : (error as Error).message;
    throw new UsageError(`--${option} ${path} cannot be read as JSON (${why}).`);
  }
  if (!isObject(parsed)) throw new UsageError(`--${option} ${path} must be a JSON object.`);
  return parsed;
}

function stringsOnly(option: string, path: string, object: Record<string, unknown>): Record<string, string> {
  for (const [name, value] of Object.entries(object)) {
    if (typeof value !== "string" || value === "") {
      throw new UsageError(
        `--${option} ${path}: the value of ${JSON.stringify(name)} must be a non-empty string.`,
      );
    }
  }
  return object as Record<string, string>;
}

function identitiesOf(path: string, object: Record<string, unknown>): LegacyOAuthIdentity[] {
  return Object.entries(object).map(([account, value]) => {
    const entry = typeof value === "string" ? { sub: value } : value;
    if (!isObject(entry) || typeof entry.sub !== "string" || entry.sub === "") {
      throw new UsageError(`--oauth-identities ${path}: ${JSON.stringify(account)} needs a "sub" string.`);
    }
    if (entry.password !== undefined && typeof entry.password !== "string") {
      throw new UsageError(
        `--oauth-identities ${path}: the password of ${JSON.stringify(account)} must be a string.`,
      );
    }
    return { account, sub: entry.sub, ...(entry.password ? { password: entry.password } : {}) };
  });
}

/** The keys and mapping the legacy options name. */
export interface LegacyReadOptions {
  /** Keys for `@credstack/compat`. */
  readonly keys: LegacyKeys;
  /** The account mapping. */
  readonly mapping: Record<string, string>;
}

/** Reads the legacy options' files (mapping, per-user keys, OAuth identities) and the MCP_API_KEY variable. */
export async function legacyOptionsOf(values: Values, io: CommandIO): Promise<LegacyReadOptions> {
  const mappingPath = values.mapping;
  const mapping =
    mappingPath === undefined
      ? {}
      : stringsOnly("mapping", mappingPath, await readJsonObject("mapping", mappingPath, io, false));
  const name = values["mcp-api-key-env"];
  const mcpApiKey = name === undefined ? undefined : process.env[name];
  if (name !== undefined && (mcpApiKey === undefined || mcpApiKey === "")) {
    throw new UsageError(`--mcp-api-key-env ${name}: the variable is not set.`);
  }
  const userKeysPath = values["user-keys"];
  const identitiesPath = values["oauth-identities"];
  const keys: LegacyKeys = {
    ...(values["legacy-key-file"] === undefined
      ? {}
      : { encryptionKeyFile: resolve(values["legacy-key-file"]) }),
    ...(mcpApiKey === undefined ? {} : { mcpApiKey }),
    ...(userKeysPath === undefined
      ? {}
      : {
          userKeysByAccount: stringsOnly(
            "user-keys",
            userKeysPath,
            await readJsonObject("user-keys", userKeysPath, io, true),
          ),
        }),
    ...(identitiesPath === undefined
      ? {}
      : {
          oauthIdentities: identitiesOf(
            identitiesPath,
            await readJsonObject("oauth-identities", identitiesPath, io, true),
          ),
        }),
  };
  return { keys, mapping };
}

/** One report line as table cells: status, file, credential, evidence or error. */
export function legacyLineOf(file: ImportFileReport): string[] {
  const note =
    file.reason ?? (file.code === undefined ? "" : `${file.code}${file.message ? `: ${file.message}` : ""}`);
  return [
    file.status,
    file.file,
    file.key === undefined ? "-" : `${file.key.provider} / ${showAccount(file.key.account)}`,
    file.evidence === undefined ? note : `by ${file.evidence}${note ? `; ${note}` : ""}`,
  ];
}

/**
 * Whether a report line is a credential file left behind: it failed or is ambiguous. Superseded files
 * (an older copy of an imported credential) and files that are not credentials are reported, not counted.
 */
export const leftBehind = (file: ImportFileReport): boolean =>
  file.status === "failed" || file.status === "ambiguous";
