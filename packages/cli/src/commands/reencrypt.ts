import { type Cipher, cipherRing, loadKeyFromEnv, loadOrCreateKeyFile } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { aesCipherOf, cipherFlagsOf, cipherFor, kmsCipherOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { openStore } from "../lib/open-store.js";
import { resealAndReport } from "../lib/reseal-run.js";
import { storeOptionSpec, storeUriOf } from "../lib/store-command.js";
import { parseStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack reencrypt`. */
export const reencryptUsage = `Usage: credstack reencrypt (--to-key FILE | --to-key-env VAR | --to-kms-key-id ID | --current-key)
                          [--store URI] [--provider P] [--json] [current cipher options]

Re-seals every record under the given key (AES key file, created 0600 if missing; base64 key in an
environment variable; or a KMS key) while the store stays in use: records keep opening with the current
cipher options (or the file: store's key files) and every rewrite is a compare-and-set, so a concurrent
refresh is never overwritten. Give the new key to every process first (as their first --key-file or
their KMS key), then run this; afterwards the old key can be retired. --current-key re-seals under the
current key: it upgrades records sealed in the previous format (reported by credstack doctor).
Every record is re-sealed in the current format (2), which authenticates all of its fields.`;

const options = {
  ...storeOptionSpec,
  "to-key": { type: "string" },
  "to-key-env": { type: "string" },
  "to-kms-key-id": { type: "string" },
  "current-key": { type: "boolean", default: false },
  provider: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/**
 * `credstack reencrypt`.
 * @returns the exit code.
 */
export async function runReencrypt(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, reencryptUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`reencrypt takes no arguments.\n${reencryptUsage}`);
  const targets = [
    values["to-key"],
    values["to-key-env"],
    values["to-kms-key-id"],
    values["current-key"] ? true : undefined,
  ].filter((v) => v !== undefined);
  if (targets.length !== 1) {
    throw new UsageError(
      `reencrypt needs exactly one of --to-key, --to-key-env, --to-kms-key-id, --current-key.\n${reencryptUsage}`,
    );
  }
  const uri = parseStoreUri(storeUriOf(values));
  if (uri.kind === "legacy" || uri.kind === "memory")
    throw new UsageError(`reencrypt needs a sealed store, not ${uri.kind}:.`);
  const flags = cipherFlagsOf(values);
  const current = await cipherFor(uri, flags, { create: false });
  if (current === undefined) throw new UsageError("reencrypt needs the store's current cipher options.");
  let target: Cipher;
  let label: string;
  if (values["current-key"]) {
    target = current.cipher;
    label = "the current key";
  } else if (values["to-kms-key-id"] !== undefined) {
    target = await kmsCipherOf(flags, values["to-kms-key-id"]);
    label = `KMS key ${values["to-kms-key-id"]}`;
  } else if (values["to-key-env"] !== undefined) {
    target = aesCipherOf([loadKeyFromEnv(values["to-key-env"])]);
    label = `the key in $${values["to-key-env"]}`;
  } else {
    const path = values["to-key"] as string;
    const { key, created } = await loadOrCreateKeyFile(path);
    if (created) io.err(`created key file ${path} (key id ${key.id})`);
    target = aesCipherOf([key]);
    label = `key file ${path}`;
  }
  const cipher = values["current-key"]
    ? current
    : {
        cipher: cipherRing({ active: target, previous: [current.cipher] }),
        source: `${label}, then ${current.source}`,
      };
  const opened = await openStore(uri, { flags, writable: true, cipher });
  try {
    return await resealAndReport(opened, io, {
      operation: "reencrypt",
      provider: values.provider,
      json: values.json,
    });
  } finally {
    await opened.store.close().catch(() => {});
  }
}
