import { accountKey, providerPattern } from "../key.js";

/**
 * The fields of a record read once each, in a fixed shape: what {@link fastFields} hands to `freezeRecord`.
 * @internal
 */
export type Fields = Partial<Record<string, unknown>>;

/** The clear (non-secret) fields of a record, in the order records hold them. @internal */
export const columnFields = [
  "provider",
  "account",
  "tokenType",
  "expiresAt",
  "scopes",
  "issuer",
  "clientId",
  "createdAt",
  "updatedAt",
  "version",
] as const;

const columnNames: ReadonlySet<string> = new Set(columnFields);
const secretNames = new Set(["accessToken", "refreshToken", "idToken", "metadata"]);
const maxEpochMs = 8.64e15;
const maxJsonDepth = 64;

const optionalString = (v: unknown, max = Number.POSITIVE_INFINITY): boolean =>
  v === undefined || (typeof v === "string" && v.length <= max);
const epoch = (v: unknown): boolean =>
  Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= maxEpochMs;
const optionalEpoch = (v: unknown): boolean => v === undefined || epoch(v);

function validScopes(v: unknown): boolean {
  if (!Array.isArray(v) || v.length > 1024) return false;
  for (const scope of v)
    if (typeof scope !== "string" || scope.length === 0 || scope.length > 2048) return false;
  return true;
}

function validAccount(v: unknown): boolean {
  if (typeof v !== "string") return false;
  try {
    accountKey(v);
    return true;
  } catch {
    return false;
  }
}

/** A JSON value of plain arrays and objects only (anything unusual is left to zod). */
function plainJson(v: unknown, depth: number): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (typeof v !== "object" || depth > maxJsonDepth) return false;
  if (Array.isArray(v)) {
    for (const item of v) if (!plainJson(item, depth + 1)) return false;
    return true;
  }
  return plainObject(v, depth);
}

function plainObject(v: object, depth: number): boolean {
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key in v) {
    if (key === "__proto__" || !plainJson((v as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** True when every own key of `v` is in `names` (a strict object's rule). */
function onlyKeys(v: object, names: ReadonlySet<string>): boolean {
  for (const key of Object.keys(v)) if (!names.has(key)) return false;
  return Object.getOwnPropertySymbols(v).length === 0;
}

/**
 * The common case of record validation without zod: each field read once and checked by the same rules as
 * `credentialRecordSchema` (`stored`) or `credentialInputSchema`. Conservative: `undefined` means "not
 * shown valid here" — the caller then runs the zod schema, which decides and names the problems. So this
 * never accepts what the schema refuses; it only spares the schema's cost on well-formed records (every
 * get and put of every store).
 *
 * `columns` holds the clear fields, `secrets` (when given) the secret fields, as read from a store;
 * without `secrets`, `columns` is one whole object.
 * @internal
 */
export function fastFields(columns: unknown, secrets: unknown, stored: boolean): Fields | undefined {
  if (typeof columns !== "object" || columns === null || Array.isArray(columns)) return undefined;
  let s = columns as Record<string, unknown>;
  if (secrets !== undefined) {
    if (typeof secrets !== "object" || secrets === null || Array.isArray(secrets)) return undefined;
    if (!onlyKeys(columns, columnNames) || !onlyKeys(secrets, secretNames)) return undefined;
    s = secrets as Record<string, unknown>;
  } else {
    for (const key of Object.keys(columns))
      if (!columnNames.has(key) && !secretNames.has(key)) return undefined;
    if (Object.getOwnPropertySymbols(columns).length !== 0) return undefined;
  }
  const c = columns as Record<string, unknown>;
  const fields: Fields = {
    provider: c.provider,
    account: c.account,
    accessToken: s.accessToken,
    refreshToken: s.refreshToken,
    tokenType: c.tokenType,
    expiresAt: c.expiresAt,
    scopes: c.scopes,
    idToken: s.idToken,
    issuer: c.issuer,
    clientId: c.clientId,
    metadata: s.metadata,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    version: c.version,
  };
  const ok =
    typeof fields.provider === "string" &&
    providerPattern.test(fields.provider) &&
    validAccount(fields.account) &&
    optionalString(fields.accessToken) &&
    optionalString(fields.refreshToken) &&
    optionalString(fields.idToken) &&
    optionalString(fields.issuer, 2048) &&
    optionalString(fields.clientId, 2048) &&
    optionalEpoch(fields.expiresAt) &&
    (stored
      ? typeof fields.tokenType === "string" &&
        fields.tokenType.length >= 1 &&
        fields.tokenType.length <= 64 &&
        validScopes(fields.scopes) &&
        epoch(fields.createdAt) &&
        epoch(fields.updatedAt) &&
        Number.isSafeInteger(fields.version) &&
        (fields.version as number) > 0
      : (fields.tokenType === undefined ||
          (typeof fields.tokenType === "string" &&
            fields.tokenType.length >= 1 &&
            fields.tokenType.length <= 64)) &&
        (fields.scopes === undefined || validScopes(fields.scopes)) &&
        optionalEpoch(fields.createdAt) &&
        optionalEpoch(fields.updatedAt) &&
        (fields.version === undefined ||
          (Number.isSafeInteger(fields.version) && (fields.version as number) > 0))) &&
    (fields.metadata === undefined ||
      (typeof fields.metadata === "object" &&
        fields.metadata !== null &&
        !Array.isArray(fields.metadata) &&
        plainObject(fields.metadata, 0)));
  return ok ? fields : undefined;
}
