import type { CredentialRecord } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { positiveInt, showAccount, table } from "../lib/format.js";
import { storeOptionSpec, storeUriOf, withStore } from "../lib/store-command.js";

/** Help text of `credstack list`. */
export const listUsage = `Usage: credstack list [--store URI] [--provider P] [--limit N] [--keys-only] [--json] [cipher options]

Lists stored credentials: provider, account, expiry, scope count, version. Never prints secrets.`;

const options = {
  ...storeOptionSpec,
  provider: { type: "string" },
  limit: { type: "string" },
  "keys-only": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

/** The non-secret summary of a record that `list --json` prints. */
function summaryOf(record: CredentialRecord, now: number): Record<string, unknown> {
  return {
    provider: record.provider,
    account: record.account,
    expiresAt: record.expiresAt ?? null,
    expired: record.expiresAt !== undefined && record.expiresAt <= now,
    hasRefreshToken: record.refreshToken !== undefined,
    scopes: record.scopes.length,
    version: record.version,
  };
}

/**
 * `credstack list`.
 * @returns the exit code.
 */
export async function runList(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, listUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`list takes no arguments.\n${listUsage}`);
  const limit = values.limit === undefined ? undefined : positiveInt(values.limit, "limit", 1);
  const now = Date.now();
  return withStore(storeUriOf(values), cipherFlagsOf(values), {}, async ({ store, label }) => {
    const rows: string[][] = [["PROVIDER", "ACCOUNT", "EXPIRES", "REFRESH", "SCOPES", "VERSION"]];
    let count = 0;
    const listOptions = {
      ...(values.provider === undefined ? {} : { provider: values.provider }),
      ...(limit === undefined ? {} : { limit }),
    };
    for await (const key of store.list(listOptions)) {
      count++;
      if (values["keys-only"]) {
        if (values.json) io.out(JSON.stringify({ provider: key.provider, account: key.account }));
        else rows.push([key.provider, showAccount(key.account)]);
        continue;
      }
      const record = await store.get(key);
      if (record === undefined) continue; // deleted meanwhile
      if (values.json) {
        io.out(JSON.stringify(summaryOf(record, now)));
        continue;
      }
      const expires =
        record.expiresAt === undefined
          ? "-"
          : `${new Date(record.expiresAt).toISOString()}${record.expiresAt <= now ? " (expired)" : ""}`;
      rows.push([
        record.provider,
        showAccount(record.account),
        expires,
        record.refreshToken === undefined ? "no" : "yes",
        String(record.scopes.length),
        String(record.version),
      ]);
    }
    if (!values.json) {
      if (values["keys-only"]) rows[0] = ["PROVIDER", "ACCOUNT"];
      for (const line of table(rows)) io.out(line);
    }
    io.err(`${count} credential(s) in ${label}`);
    return exitCodes.ok;
  });
}
