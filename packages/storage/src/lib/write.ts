import { InvalidArgumentError } from "../errors.js";
import { type CredentialInput, type CredentialRecord, parseCredentialInput, parseRecord } from "../record.js";
import type { PutOptions } from "../store.js";

/** Checks put options. @internal */
export function checkPutOptions(options: PutOptions): void {
  const expected = options?.expectedVersion;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new InvalidArgumentError("put() needs expectedVersion: the version read, or 0 for a new record.");
  }
}

/**
 * The record a store writes for `put(input, options)`: validated, with the next version and times, or —
 * for a `copy` write — exactly as given. `existing` is the stored record's creation time, when known.
 * Store authors call this before their compare-and-set.
 * @throws InvalidRecordError, InvalidArgumentError
 */
export function recordToWrite(
  input: CredentialInput,
  options: PutOptions,
  existingCreatedAt: number | undefined,
  now: number,
): CredentialRecord {
  checkPutOptions(options);
  const valid = parseCredentialInput(input);
  if (options.copy === true) {
    const record = parseRecord({
      ...valid,
      tokenType: valid.tokenType ?? "Bearer",
      scopes: valid.scopes ?? [],
    });
    if (record.version <= options.expectedVersion) {
      throw new InvalidArgumentError("A copy write needs a record version greater than expectedVersion.");
    }
    return record;
  }
  return parseRecord({
    ...valid,
    tokenType: valid.tokenType ?? "Bearer",
    scopes: valid.scopes ?? [],
    createdAt: existingCreatedAt ?? valid.createdAt ?? now,
    updatedAt: now,
    version: options.expectedVersion + 1,
  });
}
