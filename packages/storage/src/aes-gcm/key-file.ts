import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { writeFileAtomic } from "../atomic-write.js";
import { KeyConfigError } from "../errors.js";
import { type AesKey, generateKey, keyFromBase64, keyToBase64 } from "./keys.js";

/**
 * Reads a key file: base64 of 32 bytes, optionally followed by a newline. The file must be readable by
 * its owner only (no group or other permission bits), as ssh requires of private keys.
 * @throws KeyConfigError (`ERR_INVALID_CONFIG`) for a missing, malformed or too permissive file.
 */
export async function loadKeyFile(path: string, id?: string): Promise<AesKey> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    throw new KeyConfigError(`Key file ${path} cannot be read.`, { cause: error });
  }
  if (process.platform !== "win32" && (mode & 0o077) !== 0) {
    throw new KeyConfigError(
      `Key file ${path} is accessible to others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it.`,
    );
  }
  const text = await readFile(path, "utf8");
  return keyFromBase64(text, `key file ${path}`, id);
}

/**
 * Loads the key file at `path`, creating it with a new random key if it does not exist. Creation is
 * atomic and never overwrites ({@link writeFileAtomic} with `replace: false`): the key is written to a
 * temporary file opened with mode 0600 and `O_EXCL`, flushed to disk, then hard-linked into place (which
 * fails if the file appeared meanwhile, in which case that file is loaded instead). A missing folder of
 * `path` is created first, with its missing parents, mode 0700 (an existing folder is used as it is).
 * @returns the key and whether this call created the file.
 */
export async function loadOrCreateKeyFile(
  path: string,
  id?: string,
): Promise<{ key: AesKey; created: boolean }> {
  try {
    return { key: await loadKeyFile(path, id), created: false };
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code !== "ENOENT") throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
    throw new KeyConfigError(`Cannot create the folder of key file ${path}.`, { cause: error });
  });
  const key = generateKey(id);
  let created: boolean;
  try {
    created = await writeFileAtomic(path, `${keyToBase64(key)}\n`, { replace: false });
  } catch (error) {
    throw new KeyConfigError(`Cannot create key file ${path}.`, { cause: error });
  }
  if (!created) return { key: await loadKeyFile(path, id), created: false };
  return { key, created: true };
}
