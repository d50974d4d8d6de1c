import {
  CorruptRecordError,
  type CredentialKey,
  type CredentialRecord,
  InvalidArgumentError,
  normalizeKey,
  type PutManyOutcome,
  recordToWrite,
  StoreUnavailableError,
} from "@credstack/storage";
import type { RunCommand } from "./commands.js";
import { type RedisClient, writeScript } from "./scripts.js";

/** Records sealed and sent per pipeline. @internal */
export const writeManyChunk = 500;

/** The keys and arguments of one write script call. @internal */
export interface ScriptCall {
  readonly keys: string[];
  readonly args: (string | Buffer)[];
}

/**
 * Copies records as they are, each only if the stored version is lower (one atomic script per record),
 * pipelined in chunks of {@link writeManyChunk}. Every record is validated before anything is written;
 * records are applied in order, so a later duplicate of a key sees the earlier one. @internal
 */
export async function writeMany(
  client: RedisClient,
  run: RunCommand,
  records: readonly CredentialRecord[],
  callOf: (record: CredentialRecord) => Promise<ScriptCall>,
  location: (key: CredentialKey) => string,
): Promise<PutManyOutcome[]> {
  if (!Array.isArray(records)) throw new InvalidArgumentError("putMany() needs an array of records.");
  const valid = records.map((record) => {
    normalizeKey(record);
    return recordToWrite(record, { expectedVersion: 0, copy: true }, undefined, 0);
  });
  const outcomes: PutManyOutcome[] = [];
  for (let start = 0; start < valid.length; start += writeManyChunk) {
    const chunk = valid.slice(start, start + writeManyChunk);
    const calls = await Promise.all(chunk.map(callOf));
    const replies = await run("putMany pipeline", async () => {
      const pipeline = client.pipeline();
      // The first call sends the script text (which also caches it on the server); the rest send its SHA.
      calls.forEach(({ keys, args }, index) => {
        if (index === 0) pipeline.eval(writeScript.text, keys.length, ...keys, ...args);
        else pipeline.evalsha(writeScript.sha, keys.length, ...keys, ...args);
      });
      const results = await pipeline.exec();
      if (results === null) throw new StoreUnavailableError("The putMany pipeline was discarded.");
      return results.map(([error, reply]) => {
        if (error) throw error;
        return reply as [number, number];
      });
    });
    replies.forEach((reply, index) => {
      if (reply[0] === -2) {
        throw new CorruptRecordError(
          "Stored key is not a credstack record.",
          location(normalizeKey(chunk[index]!)),
        );
      }
      outcomes.push(reply[0] === 1 ? "written" : "skipped");
    });
  }
  return outcomes;
}
