import {
  type Cipher,
  CorruptRecordError,
  type CredentialKey,
  type CredentialRecord,
  openRecord,
  type RecordColumns,
} from "@credstack/storage";

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
  // The other clear fields named one by one (no rest spread: this runs on every write); JSON leaves
  // out the absent (undefined) ones.
  const rest = {
    provider: columns.provider,
    account: columns.account,
    tokenType: columns.tokenType,
    expiresAt: columns.expiresAt,
    scopes: columns.scopes,
    issuer: columns.issuer,
    clientId: columns.clientId,
    updatedAt: columns.updatedAt,
  };
  return {
    version: String(columns.version),
    created: String(columns.createdAt),
    columns: JSON.stringify(rest),
    sealed: Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength),
  };
}

const decimal = /^(?:0|[1-9][0-9]{0,15})$/;

/**
 * The value of a stored decimal field (`version`, `created`): `undefined` when missing, `NaN` when not
 * what {@link decimal} accepts. Up to 15 digits are read from the bytes directly (exact below 2^53, no
 * string made: this runs on every get); longer ones go through the pattern and `Number`.
 */
function decimalField(bytes: Buffer | undefined): number | undefined {
  if (bytes === undefined) return undefined;
  const length = bytes.length;
  if (length === 0 || length > 15 || (bytes[0] === 0x30 && length > 1)) {
    const text = bytes.toString("latin1");
    return decimal.test(text) ? Number(text) : Number.NaN;
  }
  let value = 0;
  for (let i = 0; i < length; i++) {
    const digit = (bytes[i] as number) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The clear columns and sealed bytes of a stored hash (from HGETALL as buffers).
 * @throws CorruptRecordError when a field is missing or malformed; the data is left as it is.
 * @internal
 */
export function fromFields(
  fields: Record<string, Buffer>,
  location: string,
): { columns: RecordColumns; sealed: Buffer } {
  const version = decimalField(fields.version);
  const created = decimalField(fields.created);
  const columns = fields.columns;
  const sealed = fields.sealed;
  if (version === undefined || created === undefined || columns === undefined || sealed === undefined) {
    throw new CorruptRecordError("Stored hash is not a credstack record (a field is missing).", location);
  }
  if (Number.isNaN(version) || Number.isNaN(created)) {
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
  own.version = version;
  own.createdAt = created;
  return { columns: own as unknown as RecordColumns, sealed };
}

/**
 * The record in a stored hash (from HGETALL as buffers), as `get()` and `getMany()` open it: `undefined`
 * for an empty hash (no such key), else {@link fromFields} and then `openRecord` bound to `normal`.
 * Not `async`, so a caller that awaits it waits on `openRecord`'s own promise (no extra microtask turns on
 * the hot path); a malformed hash therefore throws synchronously, which in the async callers is a
 * rejection like any other.
 * @param normal - The key in normal form (`normalizeKey`).
 * @param location - Where the record is, for error messages.
 * @throws CorruptRecordError when a field is missing or malformed.
 * @internal
 */
export function openFields(
  fields: Record<string, Buffer>,
  normal: CredentialKey,
  location: string,
  cipher: Cipher,
): Promise<CredentialRecord> | undefined {
  if (fields.version === undefined && Object.keys(fields).length === 0) return undefined;
  const { columns, sealed } = fromFields(fields, location);
  return openRecord(normal, columns, sealed, cipher, { location });
}
