/**
 * The errors `@credstack/storage-redis` throws (the shared classes of `@credstack/storage`).
 *
 * @packageDocumentation
 */
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
