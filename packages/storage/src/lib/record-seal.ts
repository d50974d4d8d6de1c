import { hash } from "node:crypto";
import { CorruptRecordError, IntegrityError } from "../errors.js";
import { jsonArray, jsonElement } from "./json-element.js";

/**
 * The formats of the plaintext a record seal holds (docs/formats.md#record-seal-formats):
 * - `1`: the secrets as a UTF-8 JSON object (first byte `{`); only the secrets and the slot are authenticated.
 * - `2`: byte `0x02`, the 32-byte SHA-256 of the record's canonical clear columns, then the secrets JSON;
 *   every field of the record is authenticated.
 */
export type RecordSealFormat = 1 | 2;

/** The first plaintext byte of a format-2 seal. @internal */
const format2Marker = 0x02;
/** `{`: the first plaintext byte of a format-1 seal (a JSON object). @internal */
const format1Marker = 0x7b;
const digestLength = 32;

/** The clear fields of a record as read from a store, in no particular order. @internal */
export interface ClearColumns {
  readonly provider: string;
  readonly account: string;
  readonly tokenType: string;
  readonly expiresAt?: number;
  readonly scopes: readonly string[];
  readonly issuer?: string;
  readonly clientId?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

/**
 * The canonical encoding of a record's clear fields: a JSON array in a fixed order, absent fields as
 * `null`. Every stored clear field is in it, so changing any of them changes the digest. @internal
 */
export function canonicalColumns(columns: ClearColumns): string {
  // `JSON.stringify([...])` of these values, written element by element (same bytes, a third of the time).
  return (
    `["credstack-columns/2",${jsonElement(columns.provider)},${jsonElement(columns.account)},` +
    `${jsonElement(columns.tokenType)},${jsonElement(columns.expiresAt ?? null)},` +
    `${jsonArray(columns.scopes)},${jsonElement(columns.issuer ?? null)},` +
    `${jsonElement(columns.clientId ?? null)},${jsonElement(columns.version)},` +
    `${jsonElement(columns.createdAt)},${jsonElement(columns.updatedAt)}]`
  );
}

/** The SHA-256 of a record's canonical clear columns: what a format-2 seal holds after its marker. @internal */
export const digestOf = (columns: ClearColumns): Buffer =>
  // One-shot `hash()`: no Hash object per call (this runs on every get and put).
  hash("sha256", canonicalColumns(columns), "buffer");

/** The format-2 plaintext: marker, digest of the clear columns, secrets JSON. @internal */
export function encodeSealPlaintext(columns: ClearColumns, secretsJson: string): Uint8Array {
  return sealPlaintext(digestOf(columns), secretsJson);
}

/** The format-2 plaintext of a digest already computed ({@link digestOf}) and the secrets JSON. @internal */
export function sealPlaintext(digest: Buffer, secretsJson: string): Uint8Array {
  // The JSON written straight into its place (no intermediate buffer and copy).
  const bytes = Buffer.allocUnsafe(1 + digestLength + Buffer.byteLength(secretsJson, "utf8"));
  bytes[0] = format2Marker;
  digest.copy(bytes, 1);
  bytes.write(secretsJson, 1 + digestLength, "utf8");
  return bytes;
}

/**
 * The format of opened seal bytes, or `undefined` when they are neither (not a record seal).
 */
export function recordSealFormatOf(opened: Uint8Array): RecordSealFormat | undefined {
  if (opened[0] === format2Marker && opened.length >= 1 + digestLength) return 2;
  if (opened[0] === format1Marker) return 1;
  return undefined;
}

/** What {@link checkSealPlaintext} found in opened seal bytes. @internal */
export interface CheckedSeal {
  /** The secrets JSON bytes (a view of the opened bytes). */
  readonly secrets: Uint8Array;
  /** Format 2: the digest of the clear columns, computed here and equal to the sealed one. */
  readonly digest?: Buffer;
}

/**
 * Checks opened seal bytes against the clear columns read beside them.
 * @throws IntegrityError (`ERR_INTEGRITY`) when a format-2 seal's digest does not match the columns;
 * CorruptRecordError when the bytes are no record seal.
 * @internal
 */
export function checkSealPlaintext(
  opened: Uint8Array,
  columns: ClearColumns,
  location?: string,
): CheckedSeal {
  const format = recordSealFormatOf(opened);
  if (format === 1) return { secrets: opened };
  if (format === undefined)
    throw new CorruptRecordError("Opened seal is not a known record format.", location);
  const bytes = Buffer.isBuffer(opened)
    ? opened
    : Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
  const digest = digestOf(columns);
  // Compared in place (no subarray per call: this runs on every get).
  if (digest.compare(bytes, 1, 1 + digestLength) !== 0) {
    throw new IntegrityError(
      `Stored record's clear fields do not match its seal (changed at rest)${location === undefined ? "" : ` (at ${location})`}.`,
    );
  }
  return { secrets: bytes.subarray(1 + digestLength), digest };
}

/**
 * The format-1 plaintext of a format-2 plaintext (the secrets JSON alone); other bytes as they are.
 * @internal
 */
export function toFormat1(plaintext: Uint8Array): Uint8Array {
  return recordSealFormatOf(plaintext) === 2 ? plaintext.subarray(1 + digestLength) : plaintext;
}
