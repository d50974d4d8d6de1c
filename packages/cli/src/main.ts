import { isCredstackError } from "@credstack/errors";
import { runScopes, scopesUsage } from "./commands/scopes.js";
import { type CommandIO, exitCodes, UsageError } from "./io.js";

/** Help text of `credstack`. */
export const usage = `credstack — OAuth credentials, scopes and stores

Usage: credstack <command> [options]

Commands:
  scopes     resolve, explain and list provider scopes

${scopesUsage}`;

const commands: Readonly<
  Record<string, (argv: readonly string[], io: CommandIO) => number | Promise<number>>
> = {
  scopes: runScopes,
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
  const run = commands[command];
  if (run === undefined) {
    io.err(`credstack: unknown command "${command}"\n\n${usage}`);
    return exitCodes.usage;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`credstack ${command}: ${(error as Error).message}`);
      return exitCodes.usage;
    }
    if (isCredstackError(error)) {
      io.err(`credstack ${command}: ${error.code}: ${error.message}`);
      return error.code === "ERR_UNKNOWN_SCOPE" ? exitCodes.unknownScope : exitCodes.failure;
    }
    throw error;
  }
}
