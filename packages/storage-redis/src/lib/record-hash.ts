import { CorruptRecordError, type RecordColumns } from "@credstack/storage";

/**
 * A record as its hash fields: `version` and `created` (decimal, read by the Lua scripts), `columns`
 * (the other clear fields as JSON) and `sealed` (the cipher's bytes, binary). @internal
 */
export interface RecordFields {
  readonly version: string;
  readonly created: string;
  readonly columns: string;
  readonly sealed: Buffer;
}

/** The hash fields of a record whose secrets were sealed into `sealed`. @internal */
export function toFields(columns: RecordColumns, sealed: Uint8Array): RecordFields {
  const { version, createdAt, ...rest } = columns;
  return {
    version: String(version),
    created: String(createdAt),
    columns: JSON.stringify(rest),
    sealed: Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength),
  };
}

const decimal = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * The clear columns and sealed bytes of a stored hash (from HGETALL as buffers).
 * @throws CorruptRecordError when a field is missing or malformed; the data is left as it is.
 * @internal
 */
export function fromFields(
  fields: Record<string, Buffer>,
  location: string,
): { columns: RecordColumns; sealed: Buffer } {
  const version = fields.version?.toString("latin1");
  const created = fields.created?.toString("latin1");
  const columns = fields.columns;
  const sealed = fields.sealed;
  if (version === undefined || created === undefined || columns === undefined || sealed === undefined) {
    throw new CorruptRecordError("Stored hash is not a credstack record (a field is missing).", location);
  }
  if (!decimal.test(version) || !decimal.test(created)) {
    throw new CorruptRecordError("Stored record has a malformed version or creation time.", location);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(columns.toString("utf8"));
  } catch {
    throw new CorruptRecordError("Stored record columns are not JSON.", location);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new CorruptRecordError("Stored record columns are not a JSON object.", location);
  }
  // The parsed object is ours alone: set the two hash fields on it rather than spread it into a copy.
  const own = parsed as Record<string, unknown>;
  own.version = Number(version);
  own.createdAt = Number(created);
  return { columns: own as unknown as RecordColumns, sealed };
}
