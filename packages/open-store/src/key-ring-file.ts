import { readFile, stat } from "node:fs/promises";
import { type AesKey, keyFromBase64 } from "@credstack/storage";
import { StoreConfigError } from "./errors.js";

/** One entry of a key-ring file. */
export type KeyRingEntry =
  | { readonly kind: "aes"; readonly key: AesKey }
  | { readonly kind: "kms"; readonly keyId: string };

/**
 * Reads a key-ring file: one entry per line, a base64 AES-256 key or `kms:<key id>`, the first seals;
 * blank lines and lines starting with `#` are ignored. Like key files it must be private (mode 0600).
 * @throws StoreConfigError naming the file and line (never its content).
 */
export async function readKeyRingFile(path: string): Promise<KeyRingEntry[]> {
  let text: string;
  try {
    const mode = (await stat(path)).mode;
    if (process.platform !== "win32" && (mode & 0o077) !== 0) {
      throw new StoreConfigError(
        `Key-ring file ${path} is accessible to others (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it.`,
        { source: path },
      );
    }
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof StoreConfigError) throw error;
    throw new StoreConfigError(`Key-ring file ${path} cannot be read.`, { cause: error, source: path });
  }
  const entries: KeyRingEntry[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("kms:")) {
      const keyId = line.slice(4).trim();
      if (keyId === "")
        throw new StoreConfigError(`${path} line ${index + 1}: kms: needs a key id.`, { source: path });
      entries.push({ kind: "kms", keyId });
      continue;
    }
    try {
      entries.push({ kind: "aes", key: keyFromBase64(line, `${path} line ${index + 1}`) });
    } catch (cause) {
      throw new StoreConfigError(
        `${path} line ${index + 1} is neither a base64 AES-256 key (32 bytes) nor kms:<key id>.`,
        { cause, source: path },
      );
    }
  }
  if (entries.length === 0)
    throw new StoreConfigError(`Key-ring file ${path} holds no key.`, { source: path });
  return entries;
}
