import { inspect } from "node:util";
import { z } from "zod";
import { CorruptRecordError, InvalidRecordError } from "./errors.js";
import { accountKey, type CredentialKey, providerPattern } from "./key.js";
import { fastFields } from "./lib/fast-fields.js";

/**
 * A stored credential (record format v1). Secrets (`accessToken`, `refreshToken`, `idToken`, `metadata`)
 * are sealed together at rest; the other fields stay queryable. Records returned by credstack are frozen
 * and redact their secrets in `util.inspect`, `console.log` and `JSON.stringify`.
 */
export interface CredentialRecord extends CredentialKey {
  /** The access token (secret). */
  readonly accessToken?: string;
  /** The refresh token (secret). */
  readonly refreshToken?: string;
  /** The token type, as the token endpoint said. @default "Bearer" */
  readonly tokenType: string;
  /** When the access token expires, absolute, in epoch milliseconds; absent when the provider gave no expiry. */
  readonly expiresAt?: number;
  /** The granted scopes, as the provider names them. */
  readonly scopes: readonly string[];
  /** The OpenID Connect ID token (secret). */
  readonly idToken?: string;
  /** The authorization server's issuer identifier. */
  readonly issuer?: string;
  /** The OAuth client the tokens were issued to. */
  readonly clientId?: string;
  /** Free-form JSON (client secrets and the like go here): sealed with the secrets. */
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** First written, epoch milliseconds. */
  readonly createdAt: number;
  /** Last written, epoch milliseconds. */
  readonly updatedAt: number;
  /** Increases by one on every write; writes are compare-and-set on it. The first version is 1. */
  readonly version: number;
}

/** What a caller writes: a record whose bookkeeping fields (`version`, times) the store fills in. */
export type CredentialInput = Omit<
  CredentialRecord,
  "tokenType" | "scopes" | "createdAt" | "updatedAt" | "version"
> & {
  /** @default "Bearer" */
  readonly tokenType?: string;
  /** @default [] */
  readonly scopes?: readonly string[];
  /** Kept from the stored record when absent. */
  readonly createdAt?: number;
  /** Set by the store on write (taken as is only by a `copy` write). */
  readonly updatedAt?: number;
  /** Set by the store on write (taken as is only by a `copy` write). */
  readonly version?: number;
};

/** The secret fields of a record, sealed together. */
export const secretFields = ["accessToken", "refreshToken", "idToken", "metadata"] as const;

const epochMs = z.number().int().nonnegative().max(8.64e15);
const account = z.string().refine(
  (value) => {
    try {
      accountKey(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: "must be a non-empty, well-formed account of at most 16384 characters" },
);

const inputShape = {
  provider: z.string().regex(providerPattern, { message: "must be a lowercase provider slug" }),
  account,
  accessToken: z.string().optional(),
  refreshToken: z.string().optional(),
  tokenType: z.string().min(1).max(64).optional(),
  expiresAt: epochMs.optional(),
  scopes: z.array(z.string().min(1).max(2048)).max(1024).optional(),
  idToken: z.string().optional(),
  issuer: z.string().max(2048).optional(),
  clientId: z.string().max(2048).optional(),
  metadata: z.record(z.string(), z.json()).optional(),
  createdAt: epochMs.optional(),
  updatedAt: epochMs.optional(),
  version: z.number().int().positive().optional(),
};

/** The zod schema of a {@link CredentialInput}; unknown fields are rejected. */
export const credentialInputSchema = z.strictObject(inputShape);

/** The zod schema of a stored {@link CredentialRecord} (v1); unknown fields are rejected. */
export const credentialRecordSchema = z.strictObject({
  ...inputShape,
  tokenType: z.string().min(1).max(64),
  scopes: z.array(z.string().min(1).max(2048)).max(1024),
  createdAt: epochMs,
  updatedAt: epochMs,
  version: z.number().int().positive(),
});

/** Zod issues as `path: problem` lines; zod's messages name types and rules, never the input's values. */
function issuesOf(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length === 0 ? "record" : issue.path.map(String).join(".");
    return `${path}: ${issue.message}`;
  });
}

const redacted = "[redacted]";

/** A plain copy of a record with every secret field replaced by `"[redacted]"`; safe to log. */
export function redactRecord(record: CredentialInput): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...record };
  for (const field of secretFields) if (copy[field] !== undefined) copy[field] = redacted;
  return copy;
}

/**
 * What a record credstack built remembers of the seal it was opened from (`undefined` for any other
 * object). Set only through {@link keepSealMemory}. @internal
 */
export let sealMemoryOf: (record: object) => unknown;
/** Sets what {@link sealMemoryOf} returns for a record credstack built (other objects: ignored). @internal */
export let keepSealMemory: (record: object, memory: unknown) => void;

/**
 * The runtime shape of records credstack returns: own enumerable fields as in {@link CredentialRecord},
 * frozen; redaction comes from the prototype, so building one costs no per-object property definitions.
 */
// Named (not keyed) stores in a fixed order keep construction on V8's fast path: records are built on
// every write and every read, so this is the hot path of every store.
class RedactingRecord {
  /** What the record was opened from (lib/remembered-seal.ts): private, so no copy, spread or JSON sees it. */
  #sealMemory: unknown;
  static {
    sealMemoryOf = (record) => (#sealMemory in record ? record.#sealMemory : undefined);
    keepSealMemory = (record, memory) => {
      if (#sealMemory in record) record.#sealMemory = memory;
    };
  }

  declare provider?: unknown;
  declare account?: unknown;
  declare accessToken?: unknown;
  declare refreshToken?: unknown;
  declare tokenType?: unknown;
  declare expiresAt?: unknown;
  declare scopes?: unknown;
  declare idToken?: unknown;
  declare issuer?: unknown;
  declare clientId?: unknown;
  declare metadata?: unknown;
  declare createdAt?: unknown;
  declare updatedAt?: unknown;
  declare version?: unknown;

  constructor(
    f: Partial<Record<string, unknown>>,
    o: Partial<Record<string, unknown>> = {},
    ownsMetadata = false,
  ) {
    const v_provider = o.provider ?? f.provider;
    if (v_provider !== undefined) this.provider = v_provider;
    const v_account = o.account ?? f.account;
    if (v_account !== undefined) this.account = v_account;
    const v_accessToken = o.accessToken ?? f.accessToken;
    if (v_accessToken !== undefined) this.accessToken = v_accessToken;
    const v_refreshToken = o.refreshToken ?? f.refreshToken;
    if (v_refreshToken !== undefined) this.refreshToken = v_refreshToken;
    const v_tokenType = o.tokenType ?? f.tokenType;
    if (v_tokenType !== undefined) this.tokenType = v_tokenType;
    const v_expiresAt = o.expiresAt ?? f.expiresAt;
    if (v_expiresAt !== undefined) this.expiresAt = v_expiresAt;
    const v_scopes = o.scopes ?? f.scopes;
    if (v_scopes !== undefined) this.scopes = v_scopes;
    const v_idToken = o.idToken ?? f.idToken;
    if (v_idToken !== undefined) this.idToken = v_idToken;
    const v_issuer = o.issuer ?? f.issuer;
    if (v_issuer !== undefined) this.issuer = v_issuer;
    const v_clientId = o.clientId ?? f.clientId;
    if (v_clientId !== undefined) this.clientId = v_clientId;
    const v_metadata = o.metadata ?? f.metadata;
    if (v_metadata !== undefined) this.metadata = v_metadata;
    const v_createdAt = o.createdAt ?? f.createdAt;
    if (v_createdAt !== undefined) this.createdAt = v_createdAt;
    const v_updatedAt = o.updatedAt ?? f.updatedAt;
    if (v_updatedAt !== undefined) this.updatedAt = v_updatedAt;
    const v_version = o.version ?? f.version;
    if (v_version !== undefined) this.version = v_version;
    if (Array.isArray(this.scopes)) this.scopes = Object.freeze([...this.scopes]);
    if (this.metadata !== undefined && !ownsMetadata) this.metadata = structuredClone(this.metadata);
    Object.freeze(this);
  }
  toJSON(): Record<string, unknown> {
    return redactRecord(this as unknown as CredentialInput);
  }
  [inspect.custom](depth: number, options: object): string {
    return `CredentialRecord ${inspect(redactRecord(this as unknown as CredentialInput), { ...options, depth })}`;
  }
}

/**
 * Copies validated fields (with `overrides` taking precedence) into a frozen, redacting record; arrays and
 * metadata are copied, so nothing the caller holds is shared. `ownsMetadata`: the metadata object is the
 * record's alone (just parsed from opened bytes), so it is taken as is rather than cloned. @internal
 */
export function freezeRecord<T extends CredentialInput>(
  fields: Partial<Record<string, unknown>>,
  overrides?: Partial<Record<string, unknown>>,
  ownsMetadata = false,
): T {
  return new RedactingRecord(fields, overrides, ownsMetadata) as unknown as T;
}

/** Options of {@link parseRecord}. */
export interface ParseRecordOptions {
  /**
   * Where the bytes came from (file path, row key). When given, a mismatch is stored data gone bad:
   * `CorruptRecordError` (`ERR_CORRUPT_RECORD`) naming the location; otherwise `InvalidRecordError`.
   */
  location?: string;
}

/**
 * Validates a whole stored record (with `version` and times) and returns it frozen and redacting.
 * Use it wherever bytes become a record.
 * @throws InvalidRecordError (`ERR_INVALID_RECORD`) or, with `location`, CorruptRecordError.
 */
export function parseRecord(value: unknown, options: ParseRecordOptions = {}): CredentialRecord {
  const fields = fastFields(value, undefined, true);
  if (fields !== undefined) return freezeRecord<CredentialRecord>(fields);
  const result = credentialRecordSchema.safeParse(value);
  if (!result.success) {
    const issues = issuesOf(result.error);
    if (options.location !== undefined) {
      throw new CorruptRecordError(
        `Stored record is not a valid v1 record: ${issues.join("; ")}.`,
        options.location,
      );
    }
    throw new InvalidRecordError("Not a valid credential record:", issues);
  }
  return freezeRecord<CredentialRecord>(result.data);
}

/**
 * Validates what a caller writes and returns it frozen and redacting.
 * @throws InvalidRecordError (`ERR_INVALID_RECORD`) naming each bad field, never its value.
 */
export function parseCredentialInput(value: unknown): CredentialInput {
  const fields = fastFields(value, undefined, false);
  if (fields !== undefined) return freezeRecord<CredentialInput>(fields);
  const result = credentialInputSchema.safeParse(value);
  if (!result.success) throw new InvalidRecordError("Not a valid credential:", issuesOf(result.error));
  return freezeRecord<CredentialInput>(result.data);
}
