/**
 * `@credstack/storage-file`: a durable credential store with one encrypted file per credential.
 *
 * @packageDocumentation
 */
export {
  CorruptRecordError,
  FileStoreConfigError,
  IntegrityError,
  LeaseUnavailableError,
  StoreUnavailableError,
  VersionConflictError,
} from "./errors.js";
export { fileStore } from "./file-store.js";
export { sweepTempFiles, type TempSweep } from "./lib/temp-files.js";
export type { FileStoreOptions } from "./options.js";
