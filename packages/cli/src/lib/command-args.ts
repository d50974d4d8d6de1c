import { type ParseArgsConfig, parseArgs } from "node:util";
import { closestNames } from "@credstack/scopes";
import { type CommandIO, UsageError } from "../io.js";

/** The options of a command, as `node:util`'s `parseArgs` takes them. */
export type CommandOptions = NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseCommandArgs} returns: `parseArgs`' result for these options. */
export type ParsedCommandArgs<Options extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: Options; allowPositionals: true; strict: true }>
>;

/** Old option spellings still accepted, mapped to the current name (`{ "to-key": "to-key-file" }`). */
export type OptionAliases = Readonly<Record<string, string>>;

/** The "Usage: …" lines at the top of a help text (up to the first blank line). */
export function usageLineOf(usage: string): string {
  const end = usage.indexOf("\n\n");
  return end === -1 ? usage : usage.slice(0, end);
}

/** ` (did you mean "x"?)` for the closest of `known`, or nothing. */
export function suggestionOf(typed: string, known: Iterable<string>): string {
  const [closest] = closestNames(typed, known, 1);
  return closest === undefined ? "" : ` (did you mean ${closest}?)`;
}

/** Rewrites `--old` and `--old=value` to the current option names. */
function applyAliases(argv: readonly string[], aliases: OptionAliases): string[] {
  const out: string[] = [];
  for (const [index, arg] of argv.entries()) {
    if (arg === "--") {
      out.push(...argv.slice(index));
      break;
    }
    const match = /^--([^=]+)(=.*)?$/s.exec(arg);
    const current = match?.[1] === undefined ? undefined : aliases[match[1]];
    out.push(current === undefined ? arg : `--${current}${match?.[2] ?? ""}`);
  }
  return out;
}

/** The option a `node:util` parse error is about (`--name`, `-x`), from its arguments. */
function optionOfParseError(argv: readonly string[], options: CommandOptions): string | undefined {
  for (const arg of argv) {
    if (arg === "--") return undefined;
    if (!arg.startsWith("-") || arg === "-") continue;
    if (arg.startsWith("--")) {
      const name = arg.slice(2).split("=")[0] ?? "";
      if (!Object.hasOwn(options, name)) return `--${name}`;
    } else {
      for (const letter of arg.slice(1)) {
        if (!Object.values(options).some((option) => option.short === letter)) return `-${letter}`;
      }
    }
  }
  return undefined;
}

/**
 * Parses a command's arguments strictly and answers `--help`: prints `usage` and returns `undefined`, so
 * the command returns exit code 0. Old option spellings in `aliases` are accepted as their current name.
 * @throws UsageError (exit 2) for an unknown option — naming it, with the closest known option and the
 * command's usage line — or an option missing its value.
 */
export function parseCommandArgs<const Options extends CommandOptions>(
  argv: readonly string[],
  options: Options,
  usage: string,
  io: CommandIO,
  aliases: OptionAliases = {},
): ParsedCommandArgs<Options> | undefined {
  const args = applyAliases(argv, aliases);
  let parsed: ParsedCommandArgs<Options>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== "string" || !code.startsWith("ERR_PARSE_ARGS")) throw error;
    const unknown = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? optionOfParseError(args, options) : undefined;
    const names = [...Object.keys(options), ...Object.keys(aliases)].map((name) => `--${name}`);
    const [closest] = unknown === undefined ? [] : closestNames(unknown, names, 1);
    // An old spelling that is closest is suggested under its current name.
    const suggested =
      closest === undefined ? undefined : `--${aliases[closest.slice(2)] ?? closest.slice(2)}`;
    const message =
      unknown !== undefined
        ? `unknown option ${unknown}${suggested === undefined ? "" : ` (did you mean ${suggested}?)`}`
        : (error as Error).message;
    throw new UsageError(`${message}\n${usageLineOf(usage)}`);
  }
  if ((parsed.values as { help?: boolean }).help === true) {
    io.out(usage);
    return undefined;
  }
  return parsed;
}
