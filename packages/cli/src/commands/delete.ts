import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { positiveInt, showAccount } from "../lib/format.js";
import { storeOptionSpec, storeUriOf, withStore } from "../lib/store-command.js";

/** Help text of `credstack delete`. */
export const deleteUsage = `Usage: credstack delete <provider> <account> [--store URI] [--expected-version N] [--json] [cipher options]

Deletes one credential. With --expected-version, only that version (exit 1 with ERR_VERSION_CONFLICT
if it changed). Exit 5 if there is no such credential. With --json, one line on stdout either way:
{"deleted":true|false,"provider":…,"account":…,"store":…} (the account redacted as in list).`;

const options = {
  ...storeOptionSpec,
  "expected-version": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/**
 * `credstack delete <provider> <account>`.
 * @returns the exit code.
 */
export async function runDelete(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, deleteUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  const [provider, account, ...extra] = positionals;
  if (provider === undefined || account === undefined || extra.length > 0) {
    throw new UsageError(`delete takes a provider and an account.\n${deleteUsage}`);
  }
  const expected = values["expected-version"];
  const deleteOptions =
    expected === undefined ? {} : { expectedVersion: positiveInt(expected, "expected-version", 1) };
  return withStore(
    storeUriOf(values),
    cipherFlagsOf(values),
    { writable: true },
    async ({ store, label }) => {
      const deleted = await store.delete({ provider, account }, deleteOptions);
      if (values.json) {
        io.out(JSON.stringify({ deleted, provider, account: showAccount(account), store: label }));
        return deleted ? exitCodes.ok : exitCodes.notFound;
      }
      if (!deleted) {
        io.err(`credstack delete: no credential for ${provider} / ${showAccount(account)} in ${label}`);
        return exitCodes.notFound;
      }
      io.out(`deleted ${provider} / ${showAccount(account)} from ${label}`);
      return exitCodes.ok;
    },
  );
}
