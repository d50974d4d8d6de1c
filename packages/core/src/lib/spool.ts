import { createHash, randomUUID } from "node:crypto";
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type Cipher,
  CorruptRecordError,
  type CredentialInput,
  type CredentialKey,
  IntegrityError,
  normalizeKey,
  parseCredentialInput,
} from "@credstack/storage";
import { CoreConfigError } from "../errors.js";
import { slotOf } from "./record-cache.js";

/** Options of the refresh spool: where rotated tokens wait while the store is down. */
export interface RefreshSpoolOptions {
  /**
   * A local directory only this user can read (created `0700`; an existing one must not be open to group
   * or others). Every process on the machine that should replay the same credentials opens the same one.
   */
  readonly directory: string;
  /** Seals spooled records: the store's own cipher (e.g. the `aesGcmCipher` or `kmsCipher` it uses). */
  readonly cipher: Cipher;
}

/**
 * A rotated record the store could not take: `record` must be written over `baseVersion` (the version
 * whose refresh token was redeemed, `oldRefreshHash` its SHA-256). @internal
 */
export interface SpoolEntry {
  readonly baseVersion: number;
  readonly oldRefreshHash: string;
  readonly record: CredentialInput;
}

/** One spooled entry and the file holding it. @internal */
export interface SpooledEntry extends SpoolEntry {
  readonly file: string;
}

/** SHA-256 (hex) of a refresh token, to recognize the redeemed one without keeping it. @internal */
export const refreshHashOf = (token: string | undefined): string =>
  token === undefined ? "" : createHash("sha256").update(token, "utf8").digest("hex");

const nameLength = 40;

/** The file-name prefix of a key's entries: a hash of the key, so names reveal no account. */
const nameOf = (key: CredentialKey): string =>
  createHash("sha256")
    .update(slotOf(normalizeKey(key)), "utf8")
    .digest("hex")
    .slice(0, nameLength);

/** Sealed bytes are bound to their file-name prefix; the key inside must hash to it. */
const spoolAad = (name: string): Uint8Array => Buffer.from(`credstack-spool/1\u0000${name}`, "utf8");

const suffix = ".spool";

/**
 * The durable local spool of rotated records (docs/core.md, "Rotated tokens and a failing store"): one
 * file per record, sealed with the store's cipher bound to the record's key, written atomically (temp
 * file `0600`, fsync, rename, fsync of the directory). File names start with a hash of the key, so every
 * process opening the directory finds a key's entries without opening the others.
 * @internal
 */
export class RefreshSpool {
  readonly #directory: string;
  readonly #cipher: Cipher;
  #ready: Promise<void> | undefined;

  constructor(options: RefreshSpoolOptions) {
    if (typeof options?.directory !== "string" || options.directory.length === 0) {
      throw new CoreConfigError("spool.directory must be a non-empty path.");
    }
    if (typeof options.cipher?.encrypt !== "function" || typeof options.cipher.decrypt !== "function") {
      throw new CoreConfigError("spool.cipher must be a Cipher (the store's own).");
    }
    this.#directory = options.directory;
    this.#cipher = options.cipher;
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      const info = await mkdir(this.#directory, { recursive: true, mode: 0o700 })
        .then(() => stat(this.#directory))
        .catch((error: unknown) => {
          throw new CoreConfigError("spool.directory cannot be created or read.", { cause: error });
        });
      if (!info.isDirectory()) throw new CoreConfigError("spool.directory is not a directory.");
      if ((info.mode & 0o077) !== 0) {
        if (typeof process.getuid === "function" && info.uid === process.getuid()) {
          await chmod(this.#directory, 0o700);
        } else {
          throw new CoreConfigError("spool.directory is open to group or others; it must be 0700.");
        }
      }
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /** Seals and durably stores `entry`; returns its file name. */
  async add(entry: SpoolEntry): Promise<string> {
    await this.#prepare();
    const key = normalizeKey(entry.record);
    const plain = Buffer.from(JSON.stringify(entry), "utf8");
    const sealed = await this.#cipher.encrypt(plain, spoolAad(nameOf(key)));
    const file = `${nameOf(key)}-${String(entry.baseVersion).padStart(16, "0")}-${randomUUID()}${suffix}`;
    const temp = join(this.#directory, `.${file}.tmp`);
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(sealed);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(this.#directory, file));
    const directory = await open(this.#directory, "r");
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return file;
  }

  /** The entries spooled for `key`, oldest base version first (opened: `ERR_INTEGRITY` if tampered). */
  async entriesOf(key: CredentialKey): Promise<SpooledEntry[]> {
    const normal = normalizeKey(key);
    const prefix = `${nameOf(normal)}-`;
    const files = (await this.#files()).filter((file) => file.startsWith(prefix));
    const entries: SpooledEntry[] = [];
    for (const file of files) {
      const entry = await this.#open(file);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  /** Every spooled file name (sorted: by key hash, then base version). */
  async #files(): Promise<string[]> {
    await this.#prepare();
    const names = await readdir(this.#directory);
    return names.filter((name) => name.endsWith(suffix) && !name.startsWith(".")).sort();
  }

  /** Every spooled entry, for replay at start-up (entries that do not open are left for inspection). */
  async all(): Promise<SpooledEntry[]> {
    const entries: SpooledEntry[] = [];
    for (const file of await this.#files()) {
      const entry = await this.#open(file).catch(() => undefined);
      if (entry !== undefined) entries.push(entry);
    }
    return entries;
  }

  async #open(file: string): Promise<SpooledEntry | undefined> {
    let sealed: Buffer;
    try {
      sealed = await readFile(join(this.#directory, file));
    } catch {
      return undefined; // replayed and removed meanwhile
    }
    const name = file.slice(0, nameLength);
    const plain = await this.#cipher.decrypt(sealed, spoolAad(name));
    let value: { baseVersion?: unknown; oldRefreshHash?: unknown; record?: unknown };
    try {
      value = JSON.parse(Buffer.from(plain).toString("utf8"));
    } catch {
      throw new CorruptRecordError("A spooled record is not JSON.", `spool file ${file}`);
    }
    if (!Number.isSafeInteger(value.baseVersion) || typeof value.oldRefreshHash !== "string") {
      throw new CorruptRecordError("A spooled record lacks its base version.", `spool file ${file}`);
    }
    const record = parseCredentialInput(value.record);
    if (nameOf(record) !== name) {
      throw new IntegrityError(`A spooled record sits under another key's file name (spool file ${file}).`);
    }
    return { file, baseVersion: value.baseVersion as number, oldRefreshHash: value.oldRefreshHash, record };
  }

  /** Removes a replayed (or superseded) entry; removing twice is harmless. */
  async remove(file: string): Promise<void> {
    await rm(join(this.#directory, file), { force: true });
  }
}
