import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { closestNames } from "@credstack/scopes";

/** Help text of `credstack-gateway`. */
export const gatewayUsage = `credstack-gateway — the token gateway (docs/gateway.md)

Usage: credstack-gateway [--config FILE]
       credstack-gateway --version | --help

Starts the gateway: reads the config file (--config FILE, else $CREDSTACK_GATEWAY_CONFIG, else
./credstack-gateway.json when present) and the store $CREDSTACK_STORE (default file:.credstack), then
listens on $CREDSTACK_GATEWAY_HOST:$CREDSTACK_GATEWAY_PORT. On the embedded file: store without
configured API keys it creates one, prints it once and keeps its hash in the store directory.
Environment: CREDSTACK_STORE, CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_PG_POOL,
CREDSTACK_GATEWAY_CONFIG, CREDSTACK_GATEWAY_HOST, CREDSTACK_GATEWAY_PORT, CREDSTACK_GATEWAY_PUBLIC_URL,
CREDSTACK_GATEWAY_API_KEYS, CREDSTACK_GATEWAY_API_KEYS_FILE, CREDSTACK_GATEWAY_LOG=off|all.
--help and --version print and exit: they start nothing and write no file.
Exit codes: 0 ok (also after SIGINT/SIGTERM), 1 failed to start, 2 usage.`;

/** What `credstack-gateway`'s arguments ask for. */
export type GatewayCommand =
  | { readonly kind: "exit"; readonly code: number; readonly out?: string; readonly err?: string }
  | { readonly kind: "run"; readonly env: Readonly<Record<string, string | undefined>> };

const options = {
  config: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", short: "V", default: false },
} as const;

const parse = (argv: readonly string[]) =>
  parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });

/** The version of `@credstack/gateway`, from its package.json. */
function packageVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

/** The usage error answer: the message, a suggestion when one is close, and the usage line. */
function usageError(message: string, typed: string | undefined): GatewayCommand {
  const names = Object.keys(options).map((name) => `--${name}`);
  const [closest] = typed === undefined ? [] : closestNames(typed, names, 1);
  const hint = closest === undefined ? "" : ` (did you mean ${closest}?)`;
  const start = gatewayUsage.indexOf("Usage:");
  const usageLine = gatewayUsage.slice(start, gatewayUsage.indexOf("\n\n", start));
  return { kind: "exit", code: 2, err: `credstack-gateway: ${message}${hint}\n${usageLine}` };
}

/**
 * Reads `credstack-gateway`'s arguments (without the node and script paths): `--help`/`--version` answer
 * without starting anything; `--config FILE` becomes `CREDSTACK_GATEWAY_CONFIG` in the returned env;
 * unknown options and positionals are usage errors (exit 2) with a suggestion and the usage line.
 */
export function gatewayCommandOf(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): GatewayCommand {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const typed = argv.find(
        (arg) => arg.startsWith("-") && !/^--?(config|help|version|h|V)(=|$)/.test(arg),
      );
      const name = typed?.split("=")[0];
      return usageError(`unknown option ${name ?? ""}`, name);
    }
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))
      return usageError((error as Error).message, undefined);
    throw error;
  }
  if (parsed.values.help) return { kind: "exit", code: 0, out: gatewayUsage };
  if (parsed.values.version) return { kind: "exit", code: 0, out: packageVersion() };
  const [positional] = parsed.positionals;
  if (positional !== undefined) {
    return usageError(`unexpected argument "${positional}" (it takes no command)`, undefined);
  }
  return {
    kind: "run",
    env:
      parsed.values.config === undefined ? env : { ...env, CREDSTACK_GATEWAY_CONFIG: parsed.values.config },
  };
}
