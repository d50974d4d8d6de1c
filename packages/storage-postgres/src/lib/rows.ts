import {
  type Cipher,
  type CredentialKey,
  type CredentialRecord,
  InvalidRecordError,
  openRecord,
  type RecordColumns,
  sealRecord,
} from "@credstack/storage";

/** The columns of a record row, in the order of {@link rowValues}. @internal */
export const recordColumns = [
  "provider",
  "account_key",
  "account",
  "token_type",
  "expires_at",
  "scopes",
  "issuer",
  "client_id",
  "sealed",
  "has_refresh_token",
  "version",
  "created_at",
  "updated_at",
] as const;

/**
 * A record row as the reads select it (`selectList`) and the driver returns it: `bigint` columns
 * arrive as strings, `scopes` as JSON text. @internal
 */
export interface RecordRow {
  provider: string;
  account_key: Buffer;
  account: Buffer;
  token_type: string;
  expires_at: string | null;
  scopes: string;
  issuer: string | null;
  client_id: string | null;
  sealed: Buffer;
  has_refresh_token: boolean;
  version: string;
  created_at: string;
  updated_at: string;
}

/** The UTF-8 bytes of a (well-formed) string. @internal */
export const utf8 = (value: string): Buffer => Buffer.from(value, "utf8");

// PostgreSQL `text` cannot hold U+0000, and the driver would turn a lone surrogate into U+FFFD: both
// would come back different. Accounts are stored as bytes; these clear text columns must be refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is refused
const unstorableText = /\u0000|[\uD800-\uDFFF]/u;

function checkText(field: string, value: string | undefined): void {
  if (value !== undefined && unstorableText.test(value)) {
    throw new InvalidRecordError("Not storable in PostgreSQL:", [
      `${field}: must not contain NUL or unpaired surrogates (PostgreSQL text)`,
    ]);
  }
}

/**
 * A validated record as the values of one row, in {@link recordColumns} order: the key and the account
 * as UTF-8 bytes, secrets sealed with `cipher` (bound to the key).
 * @throws InvalidRecordError for clear text fields PostgreSQL cannot store exactly.
 * @internal
 */
export async function rowValues(
  key: CredentialKey,
  record: CredentialRecord,
  cipher: Cipher,
): Promise<unknown[]> {
  checkText("tokenType", record.tokenType);
  checkText("issuer", record.issuer);
  checkText("clientId", record.clientId);
  // The field name is made only for a scope that fails (this runs on every put).
  for (let index = 0; index < record.scopes.length; index++) {
    const scope = record.scopes[index];
    if (unstorableText.test(scope as string)) checkText(`scopes.${index}`, scope);
  }
  const { sealed } = await sealRecord(record, cipher);
  const accountKeyBytes = utf8(key.account);
  return [
    key.provider,
    accountKeyBytes,
    // Usually the account is its own key (already normal): the same bytes, encoded once.
    record.account === key.account ? accountKeyBytes : utf8(record.account),
    record.tokenType,
    record.expiresAt ?? null,
    record.scopes,
    record.issuer ?? null,
    record.clientId ?? null,
    Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength),
    record.refreshToken !== undefined,
    record.version,
    record.createdAt,
    record.updatedAt,
  ];
}

/** The scopes of a row (JSON text); anything else as it is, for the record's validation to refuse. */
function scopesOf(text: string | null): unknown {
  if (typeof text !== "string") return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The clear columns of a row as record fields (absent ones omitted). @internal */
export function rowColumns(row: RecordRow): RecordColumns {
  const columns: Record<string, unknown> = {
    provider: row.provider,
    account: row.account.toString("utf8"),
    tokenType: row.token_type,
    scopes: scopesOf(row.scopes),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    version: Number(row.version),
  };
  if (row.expires_at !== null) columns.expiresAt = Number(row.expires_at);
  if (row.issuer !== null) columns.issuer = row.issuer;
  if (row.client_id !== null) columns.clientId = row.client_id;
  return columns as unknown as RecordColumns;
}

/**
 * Opens a row read under `key`: checks it belongs to `key`, opens the sealed secrets bound to `key` and
 * validates the whole record.
 * @throws IntegrityError, CorruptRecordError, or the cipher's errors.
 * @internal
 */
export function openRow(
  key: CredentialKey,
  row: RecordRow,
  cipher: Cipher,
  location: string,
): Promise<CredentialRecord> {
  return openRecord(key, rowColumns(row), row.sealed, cipher, { location });
}
