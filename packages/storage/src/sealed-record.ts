import type { Cipher } from "./cipher.js";
import { CorruptRecordError, IntegrityError } from "./errors.js";
import { bindingOf, type CredentialKey, sameKey } from "./key.js";
import { type CredentialRecord, type ParseRecordOptions, parseRecord, secretFields } from "./record.js";

/** The non-secret fields of a record: what a store keeps in clear and may index. */
export type RecordColumns = Omit<CredentialRecord, (typeof secretFields)[number]>;

/** The secret fields of a record: what a store seals. */
export type RecordSecrets = Pick<CredentialRecord, (typeof secretFields)[number]>;

/** Splits a record into its clear columns and its secrets. */
export function splitRecord(record: CredentialRecord): { columns: RecordColumns; secrets: RecordSecrets } {
  const columns: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if ((secretFields as readonly string[]).includes(field)) secrets[field] = value;
    else columns[field] = value;
  }
  return { columns: columns as unknown as RecordColumns, secrets: secrets as RecordSecrets };
}

/**
 * Joins columns and secrets read from a backend into a validated record.
 * @throws CorruptRecordError (with `location`) or InvalidRecordError when they do not form a v1 record.
 */
export function joinRecord(
  columns: RecordColumns,
  secrets: RecordSecrets,
  options: ParseRecordOptions = {},
): CredentialRecord {
  return parseRecord({ ...columns, ...secrets }, options);
}

/** The bytes that get sealed: the secrets as UTF-8 JSON. */
export function encodeSecrets(secrets: RecordSecrets): Uint8Array {
  return Buffer.from(JSON.stringify(secrets), "utf8");
}

/**
 * Reads opened secret bytes back.
 * @throws CorruptRecordError when they are not a JSON object.
 */
export function decodeSecrets(bytes: Uint8Array, location?: string): RecordSecrets {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
  } catch {
    throw new CorruptRecordError("Opened secrets are not JSON.", location);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptRecordError("Opened secrets are not a JSON object.", location);
  }
  return value as RecordSecrets;
}

/**
 * Seals a record's secrets with `cipher`, bound to its key: what a store writes is `columns` in clear
 * and `sealed` as opaque bytes.
 */
export async function sealRecord(
  record: CredentialRecord,
  cipher: Cipher,
): Promise<{ columns: RecordColumns; sealed: Uint8Array }> {
  const { columns, secrets } = splitRecord(record);
  return { columns, sealed: await cipher.encrypt(encodeSecrets(secrets), bindingOf(record)) };
}

/**
 * Opens what {@link sealRecord} produced. The binding is computed from `key` — the slot the bytes were
 * read from — so bytes moved from another slot fail with `ERR_INTEGRITY`.
 * @throws IntegrityError (`ERR_INTEGRITY`), CorruptRecordError, or the cipher's own errors.
 */
export async function openRecord(
  key: CredentialKey,
  columns: RecordColumns,
  sealed: Uint8Array,
  cipher: Cipher,
  options: ParseRecordOptions = {},
): Promise<CredentialRecord> {
  if (!sameKey(key, columns)) {
    throw new IntegrityError("Stored record belongs to another key (moved or swapped).");
  }
  const opened = await cipher.decrypt(sealed, bindingOf(key));
  return joinRecord(columns, decodeSecrets(opened, options.location), options);
}
