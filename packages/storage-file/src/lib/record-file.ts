import {
  CorruptRecordError,
  type CredentialKey,
  IntegrityError,
  parseRecord,
  type RecordColumns,
  type RecordSecrets,
  sameKey,
  secretFields,
} from "@credstack/storage";

/** The `format` tag of every record file this store writes. @internal */
export const fileFormat = "credstack-file/1";

/** The secrets of a record file: sealed bytes (encrypted store) or clear JSON (`insecurePlaintext`). @internal */
export type FilePayload = { readonly sealed: Uint8Array } | { readonly secrets: RecordSecrets };

/** A decoded record file: validated clear columns and the payload. @internal */
export interface RecordFile {
  readonly columns: RecordColumns;
  readonly payload: FilePayload;
}

/** Serializes a record file: `{ format, ...columns, sealed | secrets }` as UTF-8 JSON. @internal */
export function encodeRecordFile(columns: RecordColumns, payload: FilePayload): Buffer {
  const body =
    "sealed" in payload
      ? { format: fileFormat, ...columns, sealed: Buffer.from(payload.sealed).toString("base64") }
      : { format: fileFormat, ...columns, secrets: payload.secrets };
  return Buffer.from(JSON.stringify(body), "utf8");
}

/** Canonical base64 of some bytes: it decodes and encodes back to itself (no regex: records can be megabytes). */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, "base64");
  return bytes.length > 0 && bytes.toString("base64") === text ? bytes : undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses the JSON object of a record file. @throws CorruptRecordError naming `path`. @internal */
export function parseRecordFileJson(bytes: Uint8Array, path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    throw new CorruptRecordError("Record file is not valid JSON (truncated or damaged).", path);
  }
  if (!isObject(value)) throw new CorruptRecordError("Record file is not a JSON object.", path);
  if (value.format !== fileFormat) {
    throw new CorruptRecordError(`Record file does not have format ${JSON.stringify(fileFormat)}.`, path);
  }
  return value;
}

/**
 * Decodes and checks a record file read for `key` (when known): the format, the payload kind against
 * the store's mode, the columns against the v1 schema, and that the file belongs to `key`.
 * @throws CorruptRecordError (damaged file, naming `path`) or IntegrityError (`ERR_INTEGRITY`: a
 * plaintext file in an encrypted store or the reverse, or a file that belongs to another key).
 * @internal
 */
export function decodeRecordFile(
  bytes: Uint8Array,
  path: string,
  encrypted: boolean,
  key: CredentialKey | undefined,
): RecordFile {
  const { format: _format, sealed, secrets, ...rest } = parseRecordFileJson(bytes, path);
  const clearSecrets = secretFields.filter((field) => field in rest);
  if (sealed !== undefined && secrets !== undefined) {
    throw new CorruptRecordError("Record file holds both sealed and plaintext secrets.", path);
  }
  if (encrypted && (secrets !== undefined || clearSecrets.length > 0)) {
    throw new IntegrityError(
      `Refusing a plaintext record file in an encrypted file store (at ${path}): it was not sealed by this store.`,
    );
  }
  if (!encrypted && sealed !== undefined) {
    throw new IntegrityError(
      `Refusing a sealed record file in a plaintext file store (at ${path}): open it with its cipher.`,
    );
  }
  if (clearSecrets.length > 0) {
    throw new CorruptRecordError(`Record file has secret fields outside "secrets": ${clearSecrets}.`, path);
  }
  const columns = parseRecord(rest, { location: path }) as RecordColumns;
  if (key !== undefined && !sameKey(key, columns)) {
    throw new IntegrityError(`Record file belongs to another key (moved or swapped) (at ${path}).`);
  }
  if (encrypted) {
    const bytes = typeof sealed === "string" ? decodeBase64(sealed) : undefined;
    if (bytes === undefined)
      throw new CorruptRecordError('Record file has no valid base64 "sealed" field.', path);
    return { columns, payload: { sealed: bytes } };
  }
  if (!isObject(secrets)) throw new CorruptRecordError('Record file has no "secrets" object.', path);
  const unknown = Object.keys(secrets).filter(
    (field) => !(secretFields as readonly string[]).includes(field),
  );
  if (unknown.length > 0) {
    throw new CorruptRecordError(
      `Record file "secrets" holds fields that are not secrets: ${unknown}.`,
      path,
    );
  }
  return { columns, payload: { secrets: secrets as RecordSecrets } };
}
