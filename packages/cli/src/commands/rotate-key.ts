import { addKeyFile, loadKeyFile, loadKeyFromEnv, loadOrCreateKeyFile } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { aesCipherOf, cipherFlagsOf, noCipherFlags } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { openStore } from "../lib/open-store.js";
import { resealAndReport } from "../lib/reseal-run.js";
import { storeOptionSpec, storeUriOf } from "../lib/store-command.js";
import { parseStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack rotate-key`. */
export const rotateKeyUsage = `Usage: credstack rotate-key [--store URI] [--to-key-file FILE] [--provider P] [--json] [cipher options]

Creates a new AES-256 key and re-seals every record under it while the store stays in use (each rewrite
is a compare-and-set, so concurrent refreshes are never overwritten). Key files are never overwritten:
- a file: store without cipher options keeps its keys in its directory: credstack.key, then
  credstack.2.key, credstack.3.key, …; the newest seals, the older ones only open. rotate-key adds the next.
- with --key-file/--key-env, pass --to-key-file FILE: created if missing (0600), used as is if it exists.
  Afterwards open the store with --key-file FILE first, then the old keys until nothing uses them.
For KMS use credstack reencrypt --to-kms-key-id. --new-key-file FILE is the older spelling of
--to-key-file and still accepted.`;

const options = {
  ...storeOptionSpec,
  "to-key-file": { type: "string" },
  provider: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/**
 * `credstack rotate-key`.
 * @returns the exit code.
 */
export async function runRotateKey(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, rotateKeyUsage, io, { "new-key-file": "to-key-file" });
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`rotate-key takes no arguments.\n${rotateKeyUsage}`);
  const uri = parseStoreUri(storeUriOf(values));
  const flags = cipherFlagsOf(values);
  if (flags.kmsKeyId !== undefined) {
    throw new UsageError(
      "rotate-key makes AES keys; to move to another KMS key use credstack reencrypt --to-kms-key-id.",
    );
  }
  if (uri.kind === "legacy" || uri.kind === "memory")
    throw new UsageError(`rotate-key needs a sealed store, not ${uri.kind}:.`);
  let cipher: { cipher: ReturnType<typeof aesCipherOf>; source: string } | undefined;
  if (noCipherFlags(flags)) {
    if (uri.kind !== "file") {
      throw new UsageError(
        `A ${uri.kind} store needs --key-file/--key-env for its current key and --to-key-file.`,
      );
    }
    if (values["to-key-file"] !== undefined) {
      throw new UsageError(
        "--to-key-file is for stores opened with --key-file; a file: store keeps its keys in its directory.",
      );
    }
    const created = await addKeyFile(uri.dir);
    io.err(`created key file ${created.path} (key id ${created.key.id}); older key files are kept`);
  } else {
    const target = values["to-key-file"];
    if (target === undefined)
      throw new UsageError("With --key-file/--key-env, rotate-key needs --to-key-file FILE.");
    const current = [
      ...(flags.keyEnv === undefined ? [] : [loadKeyFromEnv(flags.keyEnv)]),
      ...(await Promise.all(flags.keyFiles.map((path) => loadKeyFile(path)))),
    ];
    const { key, created } = await loadOrCreateKeyFile(target);
    io.err(`${created ? "created" : "using existing"} key file ${target} (key id ${key.id})`);
    cipher = {
      cipher: aesCipherOf([key, ...current.filter((old) => old.id !== key.id)]),
      source: `--to-key-file then the current keys`,
    };
  }
  const opened = await openStore(uri, { flags, writable: true, ...(cipher === undefined ? {} : { cipher }) });
  try {
    return await resealAndReport(opened, io, {
      operation: "rotate-key",
      provider: values.provider,
      json: values.json,
    });
  } finally {
    await opened.store.close().catch(() => {});
  }
}
