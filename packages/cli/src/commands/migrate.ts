import { createHash } from "node:crypto";
import { resolve } from "node:path";
import { type ImportFileReport, importLegacy, legacyDirectoryStore } from "@credstack/compat";
import { describeStoreUri, migrate } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { fileCheckpoint, readCheckpoint, removeCheckpoint } from "../lib/checkpoint-file.js";
import { cipherFlagsOf, cipherOptionSpec } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import { openCopyTarget } from "../lib/dry-run-target.js";
import { positiveInt, showAccount, table } from "../lib/format.js";
import {
  type LegacyReadOptions,
  leftBehind,
  legacyLineOf,
  legacyOptionSpec,
  legacyOptionsHelp,
  legacyOptionsOf,
} from "../lib/legacy-options.js";
import { type OpenedStore, openStore } from "../lib/open-store.js";
import { progressReporter } from "../lib/progress.js";
import { parseStoreUri } from "../lib/store-uri.js";
import { type VerifyResult, verifyCopy } from "../lib/verify.js";

/** Help text of `credstack migrate`. */
export const migrateUsage = `Usage: credstack migrate --from URI --to URI [--dry-run] [--verify] [--resume]
                        [--batch N] [--concurrency N] [--provider P] [--checkpoint FILE] [--json]
                        [cipher options, also as --from-key-file … / --to-key-file …]

Copies every credential from one store to another, batch by batch (memory bounded by --batch), keeping
versions and times; a target record of the same or a newer version is left alone, so running it again is
safe. As batches finish, the position is saved to the checkpoint file (in the background, the newest
finished batch; never past an unwritten one); --resume continues from it (after a crash or kill -9).
--verify re-reads every record on both sides and compares them. --dry-run only counts: the target is
left exactly as it was (no directory, key file, Postgres schema, table or migration; an existing target
is only read).

From legacy:DIR (a legacy credentials/ directory, read-only) every file that was not copied is reported
with its reason (ambiguous, failed with its error code, superseded, not a credential), and the exit code
is 4 when any credential file was left behind. The legacy directory options apply to it.

${legacyOptionsHelp}`;

const options = {
  from: { type: "string" },
  to: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  verify: { type: "boolean", default: false },
  resume: { type: "boolean", default: false },
  batch: { type: "string" },
  concurrency: { type: "string" },
  provider: { type: "string" },
  checkpoint: { type: "string" },
  json: { type: "boolean", default: false },
  "no-fsync": { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  ...cipherOptionSpec,
  ...legacyOptionSpec,
  "from-key-file": { type: "string", multiple: true },
  "from-key-env": { type: "string" },
  "from-kms-key-id": { type: "string" },
  "to-key-file": { type: "string", multiple: true },
  "to-key-env": { type: "string" },
  "to-kms-key-id": { type: "string" },
} as const;

type Values = Record<string, unknown>;

/** Side-specific cipher flags (`--from-…`/`--to-…`) when given, else the shared ones. */
function sideFlags(values: Values, side: "from" | "to") {
  const specific = cipherFlagsOf(values, `${side}-`);
  const hasSpecific =
    specific.keyFiles.length > 0 || specific.keyEnv !== undefined || specific.kmsKeyId !== undefined;
  return hasSpecific ? specific : cipherFlagsOf(values);
}

/** The default checkpoint file: in the working directory, named after both stores. */
export function defaultCheckpointPath(from: string, to: string): string {
  const digest = createHash("sha256").update(`${from}\n${to}`).digest("hex").slice(0, 12);
  return resolve(`.credstack-migrate-${digest}.json`);
}

/**
 * `credstack migrate --from A --to B`.
 * @returns the exit code.
 */
export async function runMigrate(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, migrateUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`migrate takes no arguments.\n${migrateUsage}`);
  if (values.from === undefined || values.to === undefined) {
    throw new UsageError(`migrate needs --from and --to.\n${migrateUsage}`);
  }
  const batchSize = positiveInt(values.batch, "batch", 100);
  const concurrency = positiveInt(values.concurrency, "concurrency", 8);
  const dryRun = values["dry-run"];
  const fromUri = parseStoreUri(values.from);
  const toUri = parseStoreUri(values.to);
  if (describeStoreUri(fromUri) === describeStoreUri(toUri)) {
    throw new UsageError("--from and --to are the same store; to re-seal in place use credstack reencrypt.");
  }
  if (toUri.kind === "legacy")
    throw new UsageError(`${describeStoreUri(toUri)} is read-only; it can only be a source.`);
  const toFlags = sideFlags(values, "to");
  const legacyFlags = Object.keys(legacyOptionSpec).filter(
    (name) => values[name as keyof typeof values] !== undefined,
  );
  if (fromUri.kind !== "legacy" && legacyFlags.length > 0) {
    throw new UsageError(`--${legacyFlags[0]} applies only to --from legacy:DIR.`);
  }
  const legacy = fromUri.kind === "legacy" ? await legacyOptionsOf(values, io) : undefined;
  const from: OpenedStore =
    fromUri.kind === "legacy"
      ? {
          store: legacyDirectoryStore({ dir: fromUri.dir, ...legacy }),
          uri: fromUri,
          label: describeStoreUri(fromUri),
          cipher: undefined,
          keySource: "legacy keys",
        }
      : await openStore(fromUri, { flags: sideFlags(values, "from"), observe: false });
  let to: OpenedStore | undefined;
  try {
    to = await openCopyTarget(toUri, toFlags, { dryRun, fsync: !values["no-fsync"] });
    return await migrateBetween(from, to, { values, batchSize, concurrency, dryRun, legacy }, io);
  } finally {
    await from.store.close().catch(() => {});
    await to?.store.close().catch(() => {});
  }
}

/**
 * The legacy files a migration did not copy: every file of the directory's report except those whose
 * credential is now in the target. Computed by a dry-run import against the target (it opens nothing new).
 */
async function legacyNotCopied(from: OpenedStore, to: OpenedStore, legacy: LegacyReadOptions | undefined) {
  if (from.uri.kind !== "legacy" || legacy === undefined) return undefined;
  const report = await importLegacy({ dir: from.uri.dir, to: to.store, dryRun: true, ...legacy });
  return report.files.filter(
    (file) =>
      file.status !== "would-import" &&
      !(file.status === "skipped" && file.reason === "already in the target store"),
  );
}

async function migrateBetween(
  from: OpenedStore,
  to: OpenedStore,
  settings: {
    values: Values;
    batchSize: number;
    concurrency: number;
    dryRun: boolean;
    legacy: LegacyReadOptions | undefined;
  },
  io: CommandIO,
): Promise<number> {
  // Rates are wall-clock: from here (checkpoint read, listing, reading, writing) to the last write.
  const started = performance.now();
  const { values, batchSize, concurrency, dryRun } = settings;
  const provider = values.provider as string | undefined;
  const path = (values.checkpoint as string | undefined) ?? defaultCheckpointPath(from.label, to.label);
  const previous = await readCheckpoint(path);
  if (previous !== undefined && (previous.from !== from.label || previous.to !== to.label)) {
    throw new UsageError(
      `Checkpoint ${path} belongs to ${previous.from} -> ${previous.to}; pass another --checkpoint or remove it.`,
    );
  }
  const resumeFrom = values.resume ? previous : undefined;
  if (values.resume && previous === undefined)
    io.err(`no checkpoint at ${path}; starting from the beginning`);
  if (!values.resume && previous !== undefined) {
    io.err(
      `a checkpoint from an interrupted run exists at ${path}; starting over (pass --resume to continue)`,
    );
  }
  if (resumeFrom !== undefined) {
    io.err(`resuming after ${resumeFrom.after.provider} / ${showAccount(resumeFrom.after.account)}`);
  }
  const earlier = {
    copied: resumeFrom?.copied ?? 0,
    skipped: resumeFrom?.skipped ?? 0,
    failed: resumeFrom?.failed ?? 0,
  };
  const checkpoint = await fileCheckpoint({
    path,
    from: from.label,
    to: to.label,
    resumeFrom,
    earlier,
  });
  // The source is listed once, by the migration itself: no counting pass, so the progress line shows
  // the records done without a total.
  const progress = progressReporter(io, dryRun ? "migrate (dry run)" : "migrate");
  const result = await migrate({
    from: from.store,
    to: to.store,
    batchSize,
    concurrency,
    dryRun,
    ...(provider === undefined ? {} : { provider }),
    ...(dryRun ? {} : { checkpoint }),
    onProgress(counts) {
      const done = counts.copied + counts.skipped + counts.failed;
      progress.update({
        done,
        total: undefined,
        copied: counts.copied,
        skipped: counts.skipped,
        failed: counts.failed,
      });
    },
  });
  const done = result.copied + result.skipped + result.failed;
  progress.update(
    { done, total: undefined, copied: result.copied, skipped: result.skipped, failed: result.failed },
    true,
  );
  progress.finish();
  const seconds = (performance.now() - started) / 1000;
  if (!dryRun) await removeCheckpoint(path);

  let verification: VerifyResult | undefined;
  if (values.verify && !dryRun) {
    const verifyProgress = progressReporter(io, "verify");
    verification = await verifyCopy({
      from: from.store,
      to: to.store,
      provider,
      concurrency,
      onProgress: (checked) => verifyProgress.update({ done: checked, total: undefined }),
    });
    verifyProgress.finish();
  }
  const notCopied: readonly ImportFileReport[] | undefined = await legacyNotCopied(from, to, settings.legacy);
  const abandoned = notCopied?.filter(leftBehind).length ?? 0;
  for (const file of notCopied ?? []) io.err(`not copied: ${legacyLineOf(file).join("  ")}`);
  for (const failure of result.failures.slice(0, 20)) {
    io.err(
      `failed: ${failure.key.provider} / ${showAccount(failure.key.account)}: ${failure.code}: ${failure.message}`,
    );
  }
  for (const mismatch of verification?.mismatches.slice(0, 20) ?? []) {
    io.err(`mismatch: ${mismatch.key.provider} / ${showAccount(mismatch.key.account)}: ${mismatch.problem}`);
  }
  const summary = {
    from: from.label,
    to: to.label,
    dryRun,
    resumed: resumeFrom !== undefined,
    copied: result.copied,
    skipped: result.skipped,
    failed: result.failed,
    ...(resumeFrom === undefined ? {} : { earlierRuns: earlier }),
    ...(notCopied === undefined ? {} : { notCopied, leftBehind: abandoned }),
    ...(verification === undefined
      ? {}
      : {
          verified: verification.verified,
          newerInTarget: verification.newerInTarget,
          mismatched: verification.mismatched,
        }),
    seconds: Math.round(seconds * 1000) / 1000,
    perSecond: seconds > 0 ? Math.round(done / seconds) : done,
  };
  if (values.json) io.out(JSON.stringify(summary));
  else {
    io.out(`${dryRun ? "dry run: " : ""}migrate ${from.label} -> ${to.label}`);
    const rows: string[][] = [
      ["", dryRun ? "WOULD" : "THIS RUN", ...(resumeFrom === undefined ? [] : ["EARLIER RUNS"])],
      ["copied", String(result.copied), ...(resumeFrom === undefined ? [] : [String(earlier.copied)])],
      ["skipped", String(result.skipped), ...(resumeFrom === undefined ? [] : [String(earlier.skipped)])],
      ["failed", String(result.failed), ...(resumeFrom === undefined ? [] : [String(earlier.failed)])],
    ];
    if (notCopied !== undefined) {
      rows.push(["files not copied", String(notCopied.length)]);
      rows.push(["credential files left behind", String(abandoned)]);
    }
    if (verification !== undefined) {
      rows.push(["verified", String(verification.verified)]);
      rows.push(["newer in target", String(verification.newerInTarget)]);
      rows.push(["mismatched", String(verification.mismatched)]);
    }
    rows.push(["seconds", summary.seconds.toFixed(2)]);
    rows.push(["records/s", String(summary.perSecond)]);
    for (const line of table(rows)) io.out(line);
  }
  return result.failed > 0 || abandoned > 0 || (verification?.mismatched ?? 0) > 0
    ? exitCodes.problems
    : exitCodes.ok;
}
