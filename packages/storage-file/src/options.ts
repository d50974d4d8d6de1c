import type { Cipher } from "@credstack/storage";
import { FileStoreConfigError } from "./errors.js";

/** Options of {@link fileStore}. */
export interface FileStoreOptions {
  /**
   * The directory holding one file per credential. Created with mode 0700 if missing (parents too).
   * An existing directory must be private (see {@link FileStoreOptions.allowLooseDirectory}).
   */
  readonly dir: string;
  /**
   * Seals each record's secrets (`aesGcmCipher`, `kmsCipher`). Required unless
   * {@link FileStoreOptions.insecurePlaintext} is true.
   */
  readonly cipher?: Cipher;
  /**
   * Store secrets as clear JSON, for compatibility with legacy plaintext files. Emits one
   * `CREDSTACK_INSECURE_PLAINTEXT` warning per process. Cannot be combined with `cipher`. An encrypted
   * store refuses plaintext files and a plaintext store refuses sealed ones (`ERR_INTEGRITY`).
   * @default false
   */
  readonly insecurePlaintext?: boolean;
  /**
   * Use an existing directory even if group or others have permission bits on it, or another user owns
   * it. Without it such a directory is refused with `ERR_INVALID_CONFIG`. Files are still created 0600.
   * @default false
   */
  readonly allowLooseDirectory?: boolean;
  /**
   * How long a write or delete waits for the key's lock (held by another process or a concurrent call)
   * before failing with `ERR_STORE_UNAVAILABLE`.
   * @default 5000
   */
  readonly lockTimeoutMs?: number;
  /**
   * A key lock older than this is considered abandoned and is broken. Locks of processes that no longer
   * exist on this host are broken at once; this bound covers other hosts (network file systems) and
   * reused process ids. Must exceed the longest write (including the cipher).
   * @default 10000
   */
  readonly staleLockMs?: number;
  /**
   * Flush each written file and the directory to disk (`fsync`). Without it writes are still atomic
   * against a crashed process, but a power cut may lose the latest writes. Turn off only for tests and
   * throwaway data.
   * @default true
   */
  readonly fsync?: boolean;
  /** Clock for `createdAt`/`updatedAt` and lease expiry, for tests. @default Date.now */
  readonly now?: () => number;
}

/** Options with their defaults applied. @internal */
export interface FileStoreSettings {
  readonly dir: string;
  readonly cipher: Cipher | undefined;
  readonly allowLooseDirectory: boolean;
  readonly lockTimeoutMs: number;
  readonly staleLockMs: number;
  readonly fsync: boolean;
  readonly now: () => number;
}

function duration(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new FileStoreConfigError(`fileStore() ${name} must be an integer of at least ${min}.`);
  }
  return value;
}

/**
 * Checks options and applies defaults.
 * @throws FileStoreConfigError (`ERR_INVALID_CONFIG`)
 * @internal
 */
export function resolveOptions(options: FileStoreOptions): FileStoreSettings {
  if (typeof options?.dir !== "string" || options.dir.length === 0) {
    throw new FileStoreConfigError("fileStore() needs a dir.");
  }
  const plaintext = options.insecurePlaintext === true;
  if (plaintext && options.cipher !== undefined) {
    throw new FileStoreConfigError("fileStore() takes either a cipher or insecurePlaintext: true, not both.");
  }
  if (!plaintext && options.cipher === undefined) {
    throw new FileStoreConfigError(
      "fileStore() needs a cipher (for example aesGcmCipher); pass insecurePlaintext: true only to read and " +
        "write legacy plaintext files.",
    );
  }
  return {
    dir: options.dir,
    cipher: options.cipher,
    allowLooseDirectory: options.allowLooseDirectory === true,
    lockTimeoutMs: duration("lockTimeoutMs", options.lockTimeoutMs, 5_000, 0),
    staleLockMs: duration("staleLockMs", options.staleLockMs, 10_000, 1),
    fsync: options.fsync !== false,
    now: options.now ?? Date.now,
  };
}

const warned = Symbol.for("credstack.storage-file.insecurePlaintextWarned");

/** Emits the plaintext warning once per process (also across duplicated copies of this package). @internal */
export function warnPlaintextOnce(): void {
  const flags = globalThis as { [warned]?: boolean };
  if (flags[warned] === true) return;
  flags[warned] = true;
  process.emitWarning(
    "A credstack file store is running with insecurePlaintext: true; credential secrets are stored " +
      "unencrypted on disk. Configure a cipher and migrate.",
    { type: "CredstackWarning", code: "CREDSTACK_INSECURE_PLAINTEXT" },
  );
}
