import type { Cipher } from "./cipher.js";
import { CorruptRecordError, IntegrityError } from "./errors.js";
import { accountKey, bindingOf, bindingOfNormal, type CredentialKey, normalizeKey } from "./key.js";
import { columnFields, fastFields } from "./lib/fast-fields.js";
import { checkSealPlaintext, encodeSealPlaintext, sealPlaintext } from "./lib/record-seal.js";
import { rememberedSeal, rememberSeal } from "./lib/remembered-seal.js";
import {
  type CredentialRecord,
  freezeRecord,
  type ParseRecordOptions,
  parseRecord,
  secretFields,
} from "./record.js";

/** The non-secret fields of a record: what a store keeps in clear and may index. */
export type RecordColumns = Omit<CredentialRecord, (typeof secretFields)[number]>;

/** The secret fields of a record: what a store seals. */
export type RecordSecrets = Pick<CredentialRecord, (typeof secretFields)[number]>;

/** Splits a record into its clear columns and its secrets (fields that are `undefined` are left out). */
export function splitRecord(record: CredentialRecord): { columns: RecordColumns; secrets: RecordSecrets } {
  // Each known field read once (no Object.entries + includes: this runs on every write).
  const columns: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const field of columnFields) {
    const value = record[field];
    if (value !== undefined) columns[field] = value;
  }
  for (const field of secretFields) {
    const value = record[field];
    if (value !== undefined) secrets[field] = value;
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
  const fields = fastFields(columns, secrets, true);
  if (fields !== undefined) return freezeRecord<CredentialRecord>(fields);
  return parseRecord({ ...columns, ...secrets }, options);
}

/**
 * The secrets as UTF-8 JSON: the plaintext of a format-1 seal (before whole-record authentication), and
 * the tail of a format-2 seal.
 */
export function encodeSecrets(secrets: RecordSecrets): Uint8Array {
  return Buffer.from(JSON.stringify(secrets), "utf8");
}

/**
 * Reads opened secret bytes back.
 * @throws CorruptRecordError when they are not a JSON object.
 */
export function decodeSecrets(bytes: Uint8Array, location?: string): RecordSecrets {
  return parseSecretsJson(utf8Of(bytes), location);
}

/** Opened secret bytes as text (UTF-8). */
const utf8Of = (bytes: Uint8Array): string =>
  (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString(
    "utf8",
  );

/** {@link decodeSecrets} of the text. */
function parseSecretsJson(text: string, location: string | undefined): RecordSecrets {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptRecordError("Opened secrets are not JSON.", location);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new CorruptRecordError("Opened secrets are not a JSON object.", location);
  }
  return value as RecordSecrets;
}

/**
 * Seals a record with `cipher`: what a store writes is `columns` in clear and `sealed` as opaque bytes.
 * The seal (format 2, docs/formats.md) holds the secrets and a SHA-256 digest of every clear column —
 * provider, account, token type, expiry, scopes, issuer, client id, version and both times — and is bound
 * to the record's slot ({@link bindingOf}), so a change to any field at rest fails {@link openRecord}.
 * Store authors must write `columns` exactly as returned (and `record`'s version and times exactly).
 */
export async function sealRecord(
  record: CredentialRecord,
  cipher: Cipher,
): Promise<{ columns: RecordColumns; sealed: Uint8Array }> {
  const { columns, secrets } = splitRecord(record);
  // A record opened from a format-2 seal and unchanged since (a migration, a copy) is sealed from what it
  // was opened from: the same plaintext, without building it again.
  const known = rememberedSeal(record);
  const plaintext =
    known === undefined
      ? encodeSealPlaintext(columns, JSON.stringify(secrets))
      : sealPlaintext(known.digest, known.secretsJson);
  return { columns, sealed: await cipher.encrypt(plaintext, bindingOf(record)) };
}

/**
 * Opens what {@link sealRecord} produced. The binding is computed from `key` — the slot the bytes were
 * read from — so bytes moved from another slot fail with `ERR_INTEGRITY`; so do clear columns that differ
 * from those sealed (format 2) and clear columns holding a secret field. Seals of format 1 (secrets only,
 * written before format 2) still open; `credstack doctor` reports them and `reseal()` upgrades them.
 * @throws IntegrityError (`ERR_INTEGRITY`), CorruptRecordError, or the cipher's own errors.
 */
export async function openRecord(
  key: CredentialKey,
  columns: RecordColumns,
  sealed: Uint8Array,
  cipher: Cipher,
  options: ParseRecordOptions = {},
): Promise<CredentialRecord> {
  // The key normalized once: it gives both the slot check and the binding.
  const normal = normalizeKey(key);
  if (columns.provider !== normal.provider || accountKey(columns.account) !== normal.account) {
    throw new IntegrityError("Stored record belongs to another key (moved or swapped).");
  }
  for (const field of secretFields) {
    if (Object.hasOwn(columns, field)) {
      throw new IntegrityError(
        `Stored record has the secret field ${field} in clear (not sealed by a store).`,
      );
    }
  }
  const opened = await cipher.decrypt(sealed, bindingOfNormal(normal));
  const checked = checkSealPlaintext(opened, columns, options.location);
  const secretsJson = utf8Of(checked.secrets);
  const secrets = parseSecretsJson(secretsJson, options.location);
  const fields = fastFields(columns, secrets, true);
  if (fields === undefined) return parseRecord({ ...columns, ...secrets }, options);
  const record = freezeRecord<CredentialRecord>(fields, undefined, true);
  // Fields copied as read (no schema defaults): the record's columns are those the digest covers.
  if (checked.digest !== undefined) rememberSeal(record, { digest: checked.digest, secretsJson });
  return record;
}
