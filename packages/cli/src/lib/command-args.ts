import { type ParseArgsConfig, parseArgs } from "node:util";
import type { CommandIO } from "../io.js";

/** The options of a command, as `node:util`'s `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseCommandArgs} returns: `parseArgs`' result for these options. */
export type ParsedCommandArgs<Options extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Options; allowPositionals: true; strict: true }>
>;

/**
 * Parses a command's arguments strictly (unknown options are usage errors, exit 2) and answers `--help`:
 * prints `usage` and returns `undefined`, so the command returns exit code 0.
 */
export function parseCommandArgs<const Options extends CommandOptions>(
  argv: readonly string[],
  options: Options,
  usage: string,
  io: CommandIO,
): ParsedCommandArgs<Options> | undefined {
  const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  if ((parsed.values as { help?: boolean }).help === true) {
    io.out(usage);
    return undefined;
  }
  return parsed;
}
