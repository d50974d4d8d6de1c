import type { CredentialKey } from "../key.js";
import type { MigrationCheckpoint, MigrationProgress } from "../migrate.js";

/** Saves a migration's positions in the background, one save at a time, always the newest. @internal */
export interface CheckpointSaver {
  /**
   * Asks for `after` (with the counts as of it) to be saved. Returns at once: the save starts now when none
   * is under way (so a save faster than a batch sees every batch), else after it — replacing any older
   * position still waiting (positions only move forward, so the newest is the only one worth writing).
   * @throws the error of an earlier save that failed (the migration stops with it).
   */
  request(after: CredentialKey, progress: MigrationProgress): void;
  /** Waits until every requested position is saved. @throws the error of a save that failed. */
  flush(): Promise<void>;
}

/**
 * A {@link CheckpointSaver} over `checkpoint`. A save (an fsynced file, a database row) can take longer
 * than writing a batch; waiting for it after every batch made it the pace of the whole migration. Here
 * the writes go on while a save runs, and the positions asked for meanwhile collapse into one save.
 * A saved position is still always one whose batch and every earlier batch were written. @internal
 */
export function checkpointSaver(checkpoint: MigrationCheckpoint): CheckpointSaver {
  let waiting: { after: CredentialKey; progress: MigrationProgress } | undefined;
  let running: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  // A save that throws at once becomes a rejection here, so `drain` always waits at least once and
  // `running` is set before it can finish.
  const save = async (after: CredentialKey, progress: MigrationProgress) => checkpoint.save(after, progress);
  const drain = async () => {
    try {
      while (waiting !== undefined) {
        const { after, progress } = waiting;
        waiting = undefined;
        await save(after, progress);
      }
    } catch (error) {
      failure ??= { error };
    } finally {
      // Cleared in the same turn as the loop's last check: a request after this starts a new drain.
      running = undefined;
    }
  };

  return {
    request(after, progress) {
      if (failure !== undefined) throw failure.error;
      waiting = { after, progress };
      running ??= drain();
    },
    async flush() {
      while (running !== undefined) await running;
      if (failure !== undefined) throw failure.error;
    },
  };
}
