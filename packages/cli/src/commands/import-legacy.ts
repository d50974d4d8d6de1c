import { resolve } from "node:path";
import { importLegacy } from "@credstack/compat";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { openCopyTarget } from "../lib/dry-run-target.js";
import { table } from "../lib/format.js";
import {
  leftBehind,
  legacyLineOf,
  legacyOptionSpec,
  legacyOptionsHelp,
  legacyOptionsOf,
} from "../lib/legacy-options.js";
import { storeOptionSpec } from "../lib/store-command.js";
import { defaultStoreUri, parseStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack import-legacy`. */
export const importLegacyUsage = `Usage: credstack import-legacy <dir> [--to URI] [--provider P] [--dry-run] [--shred] [--json]
                              [legacy directory options] [cipher options]

Imports a legacy credentials/ directory (plaintext JSON of every era, Fernet .enc blobs, v2 server and
per-user envelopes, backups, token_groups/) into a store (default file:.credstack, or $CREDSTACK_STORE).
Each file's account is proven, never guessed: by the identity inside the credential, the recipient
bindings of .user_api_keys.json (or --user-keys/--oauth-identities), the only email its name can come
from, or --mapping; contradicting evidence (a swapped file) is refused with ERR_INTEGRITY. The report
says which evidence decided. Idempotent: credentials the target already holds in the same or a newer
version are skipped. --dry-run leaves the target exactly as it was (no directory, key file, Postgres
schema, table or migration; an existing target is only read). Legacy files are left untouched unless
--shred.
Exit 4 when some credential files could not be imported (ambiguous or failed).

${legacyOptionsHelp}`;

const options = {
  ...storeOptionSpec,
  ...legacyOptionSpec,
  to: { type: "string" },
  provider: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  shred: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

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
  const uri = parseStoreUri(values.to ?? values.store ?? process.env.CREDSTACK_STORE ?? defaultStoreUri);
  if (uri.kind === "legacy") throw new UsageError("A legacy: store is read-only; it can only be a source.");
  const { keys, mapping } = await legacyOptionsOf(values, io);
  const dryRun = values["dry-run"];
  const target = await openCopyTarget(uri, cipherFlagsOf(values), { dryRun });
  try {
    const report = await importLegacy({
      dir: resolve(dir),
      to: target.store,
      keys,
      mapping,
      dryRun,
      shred: values.shred,
      ...(values.provider === undefined ? {} : { provider: values.provider }),
    });
    if (values.json) io.out(JSON.stringify(report));
    else {
      io.out(`${dryRun ? "dry run: " : ""}import-legacy ${resolve(dir)} -> ${target.label}`);
      const rows = [["STATUS", "FILE", "CREDENTIAL", "EVIDENCE / NOTE"], ...report.files.map(legacyLineOf)];
      for (const line of table(rows)) io.out(line);
      // A dry run imports nothing: its count says what a real run would import.
      io.out(
        `${dryRun ? "would import" : "imported"} ${report.imported}, skipped ${report.skipped}, ambiguous ${report.ambiguous}, failed ${report.failed}`,
      );
    }
    return report.files.some(leftBehind) ? exitCodes.problems : exitCodes.ok;
  } finally {
    await target.store.close().catch(() => {});
  }
}
