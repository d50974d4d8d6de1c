import { mkdir, readFile, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { type CredentialKey, type MigrationCheckpoint, writeFileAtomic } from "@credstack/storage";
import { UsageError } from "../io.js";

/** What a checkpoint file holds (JSON). Keys are credential keys, never secrets. */
export interface CheckpointState {
  /** Always `credstack-migrate/1`. */
  readonly format: "credstack-migrate/1";
  /** The source, password-free. */
  readonly from: string;
  /** The target, password-free. */
  readonly to: string;
  /** The last key of the last finished batch. */
  readonly after: CredentialKey;
  /** Counts so far (of this and earlier runs). */
  readonly copied: number;
  readonly skipped: number;
  readonly failed: number;
  /** When it was written, epoch ms. */
  readonly savedAt: number;
}

/** Reads a checkpoint file; `undefined` if there is none. @throws UsageError for a malformed file. */
export async function readCheckpoint(path: string): Promise<CheckpointState | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
  let state: CheckpointState;
  try {
    state = JSON.parse(text) as CheckpointState;
  } catch {
    throw new UsageError(`Checkpoint file ${path} is not JSON; remove it to start over.`);
  }
  if (
    state?.format !== "credstack-migrate/1" ||
    typeof state.after?.provider !== "string" ||
    typeof state.after?.account !== "string"
  ) {
    throw new UsageError(
      `Checkpoint file ${path} is not a credstack migrate checkpoint; remove it to start over.`,
    );
  }
  return state;
}

/**
 * Writes a checkpoint atomically ({@link writeFileAtomic}: a 0600 temporary file beside it, flushed,
 * renamed over the old one, directory flushed), so a process killed at any instant leaves either the old
 * or the new checkpoint, never half.
 */
export async function writeCheckpoint(path: string, state: CheckpointState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state)}\n`);
}

/** Removes a checkpoint file (after a migration finished); missing is fine. */
export async function removeCheckpoint(path: string): Promise<void> {
  await unlink(path).catch((error: { code?: string }) => {
    if (error.code !== "ENOENT") throw error;
  });
}

/** Options of {@link fileCheckpoint}. */
export interface FileCheckpointOptions {
  readonly path: string;
  readonly from: string;
  readonly to: string;
  /** Where to resume, from an earlier checkpoint (`--resume`), or `undefined` to start at the beginning. */
  readonly resumeFrom: CheckpointState | undefined;
  /** Earlier runs' counts (of the checkpoint resumed from), added to this run's counts in each save. */
  readonly earlier: { readonly copied: number; readonly skipped: number; readonly failed: number };
}

/**
 * A {@link MigrationCheckpoint} kept in a file, written atomically as batches finish: the position and the
 * counts as of it (this run's plus earlier runs').
 */
export async function fileCheckpoint(options: FileCheckpointOptions): Promise<MigrationCheckpoint> {
  await mkdir(dirname(options.path), { recursive: true });
  return {
    load: async () => options.resumeFrom?.after,
    save: (after, progress) =>
      writeCheckpoint(options.path, {
        format: "credstack-migrate/1",
        from: options.from,
        to: options.to,
        after: { provider: after.provider, account: after.account },
        copied: options.earlier.copied + progress.copied,
        skipped: options.earlier.skipped + progress.skipped,
        failed: options.earlier.failed + progress.failed,
        savedAt: Date.now(),
      }),
  };
}
