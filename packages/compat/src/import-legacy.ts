import { randomBytes } from "node:crypto";
import { open, unlink } from "node:fs/promises";
import { join } from "node:path";
import { isCredstackError } from "@credstack/errors";
import {
  type CredentialKey,
  type CredentialStore,
  type MigrationProgress,
  migrate,
  normalizeKey,
} from "@credstack/storage";
import type { LegacyLayout } from "./credential-format.js";
import { type LegacyDirectoryOptions, legacyDirectoryStore } from "./legacy-store.js";
import type { LegacyEvidence } from "./lib/evidence.js";
import type { LegacyEncoding } from "./lib/open-file.js";

/** Options of {@link importLegacy}. */
export interface ImportLegacyOptions extends LegacyDirectoryOptions {
  /** The credstack store to import into (file, Postgres, Redis, memory, ...). */
  readonly to: CredentialStore;
  /** Report what would happen without writing or shredding anything. @default false */
  readonly dryRun?: boolean;
  /**
   * After a file's credential is confirmed in `to`, overwrite the legacy file with random bytes and
   * delete it. Files that were ambiguous, failed or superseded are never touched.
   * @default false
   */
  readonly shred?: boolean;
  /** Progress of the underlying `migrate()`. */
  readonly onProgress?: (progress: MigrationProgress) => void;
}

/** What happened to one legacy file. */
export type ImportFileStatus = "imported" | "would-import" | "skipped" | "ambiguous" | "failed";

/** One line of the {@link ImportLegacyReport}. */
export interface ImportFileReport {
  /** The file, relative to the legacy directory. */
  readonly file: string;
  /**
   * `imported`: copied into the target; `would-import`: copied by a run without `dryRun`; `skipped`: see
   * `reason` (already imported, superseded by another file, not a credential file); `ambiguous`: the
   * account cannot be known, see `candidates` and pass a `mapping`; `failed`: see `code` and `message`.
   */
  readonly status: ImportFileStatus;
  /** The credential's key, when known. */
  readonly key?: CredentialKey;
  /** How the file was stored, for readable files. */
  readonly encoding?: LegacyEncoding;
  /** Its JSON layout, for readable files. */
  readonly layout?: LegacyLayout;
  /**
   * What decided the account (readable files): `credential` (the identity inside it), `recipient-binding`
   * (`.user_api_keys.json`, the linkage preferences or a supplied key bound the envelope's recipient to
   * the account), `file-name` (the only email the name can come from) or `mapping`.
   */
  readonly evidence?: LegacyEvidence;
  /** Why it was skipped or is ambiguous. */
  readonly reason?: string;
  /** Accounts it could belong to (ambiguous files). */
  readonly candidates?: readonly string[];
  /** The error code (failed files): `ERR_INTEGRITY`, `ERR_CORRUPT_RECORD`, `ERR_KEY_NOT_FOUND`, ... */
  readonly code?: string;
  /** The error message (failed files); names the file, never a secret. */
  readonly message?: string;
  /** The legacy file was overwritten and deleted (`shred: true`). */
  readonly shredded?: boolean;
}

/** What {@link importLegacy} did. */
export interface ImportLegacyReport {
  /** Every file of the directory, sorted by path. */
  readonly files: readonly ImportFileReport[];
  /** Files copied (or, with `dryRun`, to be copied). */
  readonly imported: number;
  /** Files skipped. */
  readonly skipped: number;
  /** Files needing a mapping. */
  readonly ambiguous: number;
  /** Files that could not be read or written. */
  readonly failed: number;
}

const idOf = (key: CredentialKey) => JSON.stringify(normalizeKey(key));
const keyOf = (key: CredentialKey): CredentialKey => ({ provider: key.provider, account: key.account });

async function shredFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    const { size } = await handle.stat();
    await handle.write(randomBytes(Math.max(size, 1)), 0, Math.max(size, 1), 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await unlink(path);
}

/**
 * Imports a legacy `credentials/` directory into any credstack store through `migrate()`, and reports
 * per file what happened. Idempotent: a credential the target already holds (same or newer version) is
 * skipped, so a second run copies nothing. Legacy files are never modified unless `shred: true`.
 * Throws only when the target store is unavailable (`ERR_STORE_UNAVAILABLE`); everything else is a
 * line of the report.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore;
 * const report = await importLegacy({ dir: "./credentials", to: store, mapping: { bob_at_example_com: "bob@example.com" } });
 * for (const f of report.files) if (f.status !== "imported") console.warn(f.file, f.status, f.reason ?? f.code);
 * ```
 */
export async function importLegacy(options: ImportLegacyOptions): Promise<ImportLegacyReport> {
  const { to, dryRun = false, shred = false } = options;
  const from = legacyDirectoryStore(options);
  const scanned = await from.scan();
  const lines = new Map<string, ImportFileReport>();
  const pending = new Map<string, string>(); // key id -> file
  for (const entry of scanned) {
    if (entry.status === "ready") {
      const base = {
        file: entry.file,
        key: keyOf(entry.record),
        encoding: entry.encoding,
        layout: entry.layout,
        evidence: entry.evidence,
      };
      let current: { version: number } | undefined;
      try {
        current = await to.get(entry.record);
      } catch (error) {
        if (!isCredstackError(error) || error.code === "ERR_STORE_UNAVAILABLE") throw error;
        lines.set(entry.file, { ...base, status: "failed", code: error.code, message: error.message });
        continue;
      }
      if (current !== undefined && current.version >= entry.record.version) {
        lines.set(entry.file, { ...base, status: "skipped", reason: "already in the target store" });
      } else {
        lines.set(entry.file, { ...base, status: dryRun ? "would-import" : "imported" });
        pending.set(idOf(entry.record), entry.file);
      }
    } else if (entry.status === "failed") {
      lines.set(entry.file, {
        file: entry.file,
        status: "failed",
        code: entry.error.code,
        message: entry.error.message,
        ...(entry.key === undefined ? {} : { key: keyOf(entry.key) }),
      });
    } else if (entry.status === "ambiguous") {
      lines.set(entry.file, {
        file: entry.file,
        status: "ambiguous",
        reason: entry.reason,
        candidates: entry.candidates,
      });
    } else {
      lines.set(entry.file, {
        file: entry.file,
        status: "skipped",
        reason: entry.reason,
        ...(entry.key === undefined ? {} : { key: keyOf(entry.key) }),
      });
    }
  }
  if (pending.size > 0) {
    const result = await migrate({
      from,
      to,
      dryRun,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    for (const failure of result.failures) {
      const file = pending.get(idOf(failure.key));
      const line = file === undefined ? undefined : lines.get(file);
      if (file !== undefined && line !== undefined) {
        lines.set(file, { ...line, status: "failed", code: failure.code, message: failure.message });
      }
    }
  }
  if (shred && !dryRun) {
    for (const [file, line] of lines) {
      const done =
        line.status === "imported" ||
        (line.status === "skipped" && line.reason === "already in the target store");
      if (!done || line.key === undefined) continue;
      if ((await to.get(line.key)) === undefined) continue;
      await shredFile(join(options.dir, file));
      lines.set(file, { ...line, shredded: true });
    }
  }
  const files = [...lines.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const count = (...statuses: ImportFileStatus[]) => files.filter((f) => statuses.includes(f.status)).length;
  return {
    files,
    imported: count("imported", "would-import"),
    skipped: count("skipped"),
    ambiguous: count("ambiguous"),
    failed: count("failed"),
  };
}
