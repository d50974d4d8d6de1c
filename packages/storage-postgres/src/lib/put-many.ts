import { type CredentialRecord, normalizeKey, type PutManyOutcome, recordToWrite } from "@credstack/storage";
import { columnList, guarded, type StoreContext } from "./context.js";
import { recordColumns, rowValues } from "./rows.js";

/** Rows per `putMany` statement (13 parameters each, well under PostgreSQL's 65 535). */
export const putManyBatchSize = 500;

const updateList = recordColumns
  .filter((column) => column !== "provider" && column !== "account_key")
  .map((column) => `${column} = EXCLUDED.${column}`)
  .join(", ");

/**
 * `putMany()`: each batch is one `INSERT … ON CONFLICT DO UPDATE … WHERE stored.version <
 * EXCLUDED.version RETURNING` statement — atomic per batch; the returned keys are the written records,
 * the rest were skipped. Every record is validated and sealed before the first batch is sent. A key that
 * repeats starts a new batch (one statement cannot touch a row twice), which keeps the sequential
 * meaning: a later copy of a key wins only if its version is higher. @internal
 */
export function putManyRecords(
  context: StoreContext,
  records: readonly CredentialRecord[],
): Promise<readonly PutManyOutcome[]> {
  return guarded(context, "putMany", async () => {
    const rows: { slot: string; values: unknown[] }[] = [];
    for (const record of records) {
      const key = normalizeKey(record);
      const valid = recordToWrite(record, { expectedVersion: 0, copy: true }, undefined, 0);
      rows.push({
        slot: `${key.provider}\u0000${key.account}`,
        values: await rowValues(key, valid, context.cipher),
      });
    }
    const outcomes: PutManyOutcome[] = new Array(rows.length).fill("skipped");
    let start = 0;
    while (start < rows.length) {
      const slots = new Set<string>();
      let end = start;
      while (end < rows.length && end - start < putManyBatchSize && !slots.has(rows[end]?.slot as string)) {
        slots.add(rows[end]?.slot as string);
        end++;
      }
      await writeBatch(context, rows.slice(start, end), start, outcomes);
      start = end;
    }
    return outcomes;
  });
}

async function writeBatch(
  context: StoreContext,
  batch: readonly { slot: string; values: unknown[] }[],
  offset: number,
  outcomes: PutManyOutcome[],
): Promise<void> {
  const width = recordColumns.length;
  const tuples = batch.map(
    (_, row) => `(${recordColumns.map((__, column) => `$${row * width + column + 1}`).join(", ")})`,
  );
  const { records } = context.names;
  const result = await context.connection.query<{ provider: string; account_key: Buffer }>(
    `INSERT INTO ${records} (${columnList}) VALUES ${tuples.join(", ")}
     ON CONFLICT (provider, account_key) DO UPDATE SET ${updateList}
     WHERE ${records}.version < EXCLUDED.version
     RETURNING provider, account_key`,
    batch.flatMap((row) => row.values),
  );
  const written = new Set(
    result.rows.map((row) => `${row.provider}\u0000${row.account_key.toString("utf8")}`),
  );
  batch.forEach((row, index) => {
    if (written.has(row.slot)) outcomes[offset + index] = "written";
  });
}
