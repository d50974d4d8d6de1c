import { addKeyFile, cipherRing, loadOrCreateKeyFile } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import {
  aesCipherOf,
  type CipherChoice,
  cipherFlagsOf,
  cipherFor,
  keysGiven,
  sealingKmsKeyIdOf,
} from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { openStore } from "../lib/open-store.js";
import { resealAndReport } from "../lib/reseal-run.js";
import { storeOptionSpec, storeUriOf } from "../lib/store-command.js";
import { parseStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack rotate-key`. */
export const rotateKeyUsage = `Usage: credstack rotate-key [--store URI] [--to-key-file FILE] [--provider P] [--json] [cipher options]

Creates a new AES-256 key and re-seals every record under it while the store stays in use (each rewrite
is a compare-and-set, so concurrent refreshes are never overwritten). Key files are never overwritten:
- a file: store without cipher options or key variables keeps its keys in its directory: credstack.key,
  then credstack.2.key, credstack.3.key, …; the newest seals, the older ones only open. rotate-key adds
  the next.
- with the current keys given as for every other command — --key-file/--key-env, or without cipher
  options the environment: CREDSTACK_KEY (+ CREDSTACK_PREVIOUS_KEYS), CREDSTACK_KEY_FILE,
  CREDSTACK_KEY_RING_FILE — pass --to-key-file FILE: created if missing (0600), used as is if it exists.
  Afterwards seal with FILE first (--key-file FILE, CREDSTACK_KEY_FILE=FILE,… or the first line of the
  key-ring file), keeping the old keys until nothing uses them.
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
  if (sealingKmsKeyIdOf(flags) !== undefined) {
    throw new UsageError(
      "rotate-key makes AES keys; to move to another KMS key use credstack reencrypt --to-kms-key-id.",
    );
  }
  if (uri.kind === "legacy" || uri.kind === "memory")
    throw new UsageError(`rotate-key needs a sealed store, not ${uri.kind}:.`);
  const target = values["to-key-file"];
  let cipher: CipherChoice | undefined;
  if (uri.kind === "file" && !keysGiven(flags)) {
    if (target !== undefined) {
      throw new UsageError(
        "--to-key-file is for stores opened with key options or key variables; a file: store without them keeps its keys in its directory.",
      );
    }
    const created = await addKeyFile(uri.dir);
    io.err(`created key file ${created.path} (key id ${created.key.id}); older key files are kept`);
  } else {
    // The current keys, read as every other command reads them (flags, else the environment).
    const current = await cipherFor(uri, flags, { create: false });
    if (current === undefined) throw new UsageError(`rotate-key needs a sealed store, not ${uri.kind}:.`);
    if (target === undefined) {
      throw new UsageError(
        "With --key-file/--key-env or key variables (CREDSTACK_KEY, CREDSTACK_KEY_FILE, CREDSTACK_KEY_RING_FILE), rotate-key needs --to-key-file FILE.",
      );
    }
    const { key, created } = await loadOrCreateKeyFile(target);
    io.err(`${created ? "created" : "using existing"} key file ${target} (key id ${key.id})`);
    cipher = {
      cipher: cipherRing({ active: aesCipherOf([key]), previous: [current.cipher] }),
      source: `--to-key-file, then ${current.source}`,
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
