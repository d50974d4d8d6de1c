import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type ImportFileReport, importLegacy, type LegacyKeys } from "@credstack/compat";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { showAccount, table } from "../lib/format.js";
import { storeOptionSpec, withStore } from "../lib/store-command.js";
import { defaultStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack import-legacy`. */
export const importLegacyUsage = `Usage: credstack import-legacy <dir> [--to URI] [--mapping FILE.json] [--provider P] [--dry-run]
                              [--legacy-key-file FILE] [--mcp-api-key-env VAR] [--shred] [--json] [cipher options]

Imports a legacy credentials/ directory (plaintext JSON, Fernet .enc, v2 envelopes, token_groups/) into
a store (default file:.credstack, or $CREDSTACK_STORE). Idempotent: credentials the target already holds
in the same or a newer version are skipped. Legacy files are left untouched unless --shred.
--mapping: JSON object from a file's relative path or legacy safe name to its account.
Exit 4 when some files could not be imported (ambiguous or failed).`;

const options = {
  ...storeOptionSpec,
  to: { type: "string" },
  mapping: { type: "string" },
  provider: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  "legacy-key-file": { type: "string" },
  "mcp-api-key-env": { type: "string" },
  shred: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

async function readMapping(path: string | undefined): Promise<Record<string, string>> {
  if (path === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(`--mapping ${path} cannot be read as JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`--mapping ${path} must be a JSON object of "file or safe name": "account".`);
  }
  for (const [name, account] of Object.entries(parsed)) {
    if (typeof account !== "string")
      throw new UsageError(`--mapping ${path}: the value of ${JSON.stringify(name)} must be a string.`);
  }
  return parsed as Record<string, string>;
}

function legacyKeysOf(values: {
  "legacy-key-file"?: string | undefined;
  "mcp-api-key-env"?: string | undefined;
}): LegacyKeys {
  const name = values["mcp-api-key-env"];
  const mcpApiKey = name === undefined ? undefined : process.env[name];
  if (name !== undefined && (mcpApiKey === undefined || mcpApiKey === "")) {
    throw new UsageError(`--mcp-api-key-env ${name}: the variable is not set.`);
  }
  return {
    ...(values["legacy-key-file"] === undefined
      ? {}
      : { encryptionKeyFile: resolve(values["legacy-key-file"]) }),
    ...(mcpApiKey === undefined ? {} : { mcpApiKey }),
  };
}

const lineOf = (file: ImportFileReport): string[] => [
  file.status,
  file.file,
  file.key === undefined ? "-" : `${file.key.provider} / ${showAccount(file.key.account)}`,
  file.reason ?? (file.code === undefined ? "" : `${file.code}${file.message ? `: ${file.message}` : ""}`),
];

/**
 * `credstack import-legacy <dir> --to URI`.
 * @returns the exit code.
 */
export async function runImportLegacy(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, importLegacyUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  const [dir, ...extra] = positionals;
  if (dir === undefined || extra.length > 0)
    throw new UsageError(`import-legacy takes one directory.\n${importLegacyUsage}`);
  const target = values.to ?? values.store ?? process.env.CREDSTACK_STORE ?? defaultStoreUri;
  const mapping = await readMapping(values.mapping);
  const keys = legacyKeysOf(values);
  const dryRun = values["dry-run"];
  return withStore(
    target,
    cipherFlagsOf(values),
    { create: !dryRun, writable: true },
    async ({ store, label }) => {
      const report = await importLegacy({
        dir: resolve(dir),
        to: store,
        keys,
        mapping,
        dryRun,
        shred: values.shred,
        ...(values.provider === undefined ? {} : { provider: values.provider }),
      });
      if (values.json) io.out(JSON.stringify(report));
      else {
        io.out(`${dryRun ? "dry run: " : ""}import-legacy ${resolve(dir)} -> ${label}`);
        for (const line of table([["STATUS", "FILE", "CREDENTIAL", "NOTE"], ...report.files.map(lineOf)]))
          io.out(line);
        io.out(
          `imported ${report.imported}, skipped ${report.skipped}, ambiguous ${report.ambiguous}, failed ${report.failed}`,
        );
      }
      return report.ambiguous > 0 || report.failed > 0 ? exitCodes.problems : exitCodes.ok;
    },
  );
}
