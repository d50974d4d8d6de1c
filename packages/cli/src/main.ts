import { isCredstackError } from "@credstack/errors";
import { deleteUsage, runDelete } from "./commands/delete.js";
import { doctorUsage, runDoctor } from "./commands/doctor.js";
import { gatewayKeyUsage, runGatewayKey } from "./commands/gateway-key.js";
import { importLegacyUsage, runImportLegacy } from "./commands/import-legacy.js";
import { inspectUsage, runInspect } from "./commands/inspect.js";
import { listUsage, runList } from "./commands/list.js";
import { migrateUsage, runMigrate } from "./commands/migrate.js";
import { reencryptUsage, runReencrypt } from "./commands/reencrypt.js";
import { rotateKeyUsage, runRotateKey } from "./commands/rotate-key.js";
import { runScopes, scopesUsage } from "./commands/scopes.js";
import { type CommandIO, exitCodes, UsageError } from "./io.js";

/** Help text of `credstack`. */
export const usage = `credstack — OAuth credentials, scopes and stores

Usage: credstack <command> [options]        (credstack <command> --help for its options)

Commands:
  list            list stored credentials (never their secrets)
  inspect         show one credential, redacted: expiry, scopes and groups, version, key id
  delete          delete one credential
  migrate         copy every credential from one store to another (resumable, --verify)
  import-legacy   import a legacy credentials/ directory
  rotate-key      create a new key and re-seal every record under it
  reencrypt       re-seal every record under a given key file, key variable or KMS key
  doctor          check a store: permissions, keys, connectivity, rotated-out keys, plaintext, expiry
  scopes          resolve, explain and list provider scopes
  gateway-key     create, list and revoke the token gateway's API keys (hashes only)

Stores are URIs: file:./dir (default file:.credstack, or $CREDSTACK_STORE), memory:,
postgres://…[?table=…&schema=…], redis://…[?prefix=…], legacy:./credentials (read-only).
Cipher options: --key-file FILE (repeatable; the first seals), --key-env VAR, --kms-key-id ID
[--kms-endpoint URL] [--kms-region R]. A file: store without them uses the key files in its directory.
Exit codes: 0 ok, 1 failed, 2 usage, 3 unknown scope, 4 problems found, 5 no such credential.`;

type Command = (argv: readonly string[], io: CommandIO) => number | Promise<number>;

const commands: Readonly<Record<string, { run: Command; usage: string }>> = {
  list: { run: runList, usage: listUsage },
  inspect: { run: runInspect, usage: inspectUsage },
  delete: { run: runDelete, usage: deleteUsage },
  migrate: { run: runMigrate, usage: migrateUsage },
  "import-legacy": { run: runImportLegacy, usage: importLegacyUsage },
  "rotate-key": { run: runRotateKey, usage: rotateKeyUsage },
  reencrypt: { run: runReencrypt, usage: reencryptUsage },
  doctor: { run: runDoctor, usage: doctorUsage },
  scopes: { run: runScopes, usage: scopesUsage },
  "gateway-key": { run: runGatewayKey, usage: gatewayKeyUsage },
};

/**
 * Runs `credstack` with `argv` (without the node and script paths).
 * @returns the exit code (see docs/cli.md).
 */
export async function main(argv: readonly string[], io: CommandIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.out(usage);
    return command === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const entry = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (entry === undefined) {
    io.err(`credstack: unknown command "${command}"\n\n${usage}`);
    return exitCodes.usage;
  }
  try {
    return await entry.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`credstack ${command}: ${(error as Error).message}`);
      return exitCodes.usage;
    }
    if (isCredstackError(error)) {
      io.err(`credstack ${command}: ${error.code}: ${error.message}`);
      return error.code === "ERR_UNKNOWN_SCOPE" ? exitCodes.unknownScope : exitCodes.failure;
    }
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
      // A file-system error (ENOENT, EACCES, ...): the message names the path, never a secret.
      io.err(`credstack ${command}: ${code}: ${(error as Error).message}`);
      return exitCodes.failure;
    }
    throw error;
  }
}
