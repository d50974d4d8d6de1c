import { InvalidArgumentError } from "../errors.js";
import {
  type CredentialInput,
  type CredentialRecord,
  credentialInputSchema,
  freezeRecord,
  parseCredentialInput,
} from "../record.js";
import type { PutOptions } from "../store.js";
import { fastFields } from "./fast-fields.js";
import { carrySeal } from "./remembered-seal.js";

/** The schema's parse of a put's input (the fields as zod copies them). */
function parseInput(input: unknown): unknown {
  const parsed = credentialInputSchema.safeParse(input);
  return parsed.success ? parsed.data : parseCredentialInput(input);
}

/**
 * Checks the options of a store's `put()`: `expectedVersion` must be a non-negative integer (the version
 * read, or 0 for a new record). {@link recordToWrite} calls it; store authors who do not use
 * `recordToWrite` call it before touching the backend.
 *
 * @param options - The options given to `put()`.
 * @throws InvalidArgumentError (`ERR_INVALID_ARGUMENT`) when `expectedVersion` is missing or not a non-negative integer.
 * @example
 * ```ts
 * import { checkPutOptions, type PutOptions } from "@credstack/storage";
 *
 * function put(options: PutOptions): void {
 *   checkPutOptions(options); // throws before anything is written
 *   // ... compare-and-set against options.expectedVersion
 * }
 * ```
 */
export function checkPutOptions(options: PutOptions): void {
  const expected = options?.expectedVersion;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidArgumentError("put() needs expectedVersion: the version read, or 0 for a new record.");
  }
}

/**
 * The record a store writes for `put(input, options)`: validated (one zod parse), with the next version
 * and times, or — for a `copy` write — exactly as given. `existingCreatedAt` is the stored record's
 * creation time, when the store knows it. Store authors call this before their compare-and-set.
 * @throws InvalidRecordError, InvalidArgumentError
 */
export function recordToWrite(
  input: CredentialInput,
  options: PutOptions,
  existingCreatedAt: number | undefined,
  now: number,
): CredentialRecord {
  checkPutOptions(options);
  // The common case checked without zod (each field read once); anything else gets the schema's verdict.
  const fast = fastFields(input, undefined, false);
  const valid = (fast ?? parseInput(input)) as CredentialInput;
  if (options.copy === true) {
    const { version, createdAt, updatedAt } = valid;
    if (version === undefined || createdAt === undefined || updatedAt === undefined) {
      throw new InvalidArgumentError("A copy write needs the record's version, createdAt and updatedAt.");
    }
    if (version <= options.expectedVersion) {
      throw new InvalidArgumentError("A copy write needs a record version greater than expectedVersion.");
    }
    const copy = freezeRecord<CredentialRecord>(valid, {
      tokenType: valid.tokenType ?? "Bearer",
      scopes: valid.scopes ?? [],
    });
    // Every field as given (read as is, not through the schema): a record opened from a seal stays
    // sealable from what it was opened from.
    if (fast !== undefined) carrySeal(input, copy);
    return copy;
  }
  // A literal, not a spread: spreading into this object makes V8 build it slowly (5 µs per write).
  return freezeRecord<CredentialRecord>(valid, {
    tokenType: valid.tokenType ?? "Bearer",
    scopes: valid.scopes ?? [],
    createdAt: existingCreatedAt ?? valid.createdAt ?? now,
    updatedAt: now,
    version: options.expectedVersion + 1,
  });
}
