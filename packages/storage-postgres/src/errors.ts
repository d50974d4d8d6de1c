/** Error classes of `@credstack/storage-postgres` (the `./errors` subpath): the store throws only these. */
export type { CredstackErrorCode, CredstackErrorOptions } from "@credstack/errors";
export {
  CorruptRecordError,
  CredstackError,
  IntegrityError,
  InvalidArgumentError,
  InvalidRecordError,
  LeaseUnavailableError,
  StoreUnavailableError,
  VersionConflictError,
} from "@credstack/storage";
