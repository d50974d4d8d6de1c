import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { loadKeyFile, loadOrCreateKeyFile } from "./key-file.js";
import type { AesKey } from "./keys.js";

/**
 * One key file of a key directory. A store directory keeps its keys as generations that are never
 * overwritten: `credstack.key` is generation 1, `credstack.<n>.key` generation n. The highest generation
 * seals new writes; the others only open records sealed before a rotation.
 */
export interface KeyFileGeneration {
  /** 1 for `credstack.key`, n for `credstack.<n>.key`. */
  readonly generation: number;
  /** Absolute path. */
  readonly path: string;
}

const namePattern = /^credstack(?:\.([1-9][0-9]{0,5}))?\.key$/;

/** The file name of a key generation: `credstack.key`, `credstack.2.key`, … */
export const keyFileName = (generation: number): string =>
  generation === 1 ? "credstack.key" : `credstack.${generation}.key`;

/** The key files in `dir`, newest (active) first; empty when the directory or the files do not exist. */
export async function listKeyFiles(dir: string): Promise<KeyFileGeneration[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  const found: KeyFileGeneration[] = [];
  for (const name of names) {
    const match = namePattern.exec(name);
    if (match === null) continue;
    const generation = match[1] === undefined ? 1 : Number(match[1]);
    if (generation === 1 && match[1] !== undefined) continue; // credstack.1.key is not a generation name
    found.push({ generation, path: join(dir, name) });
  }
  return found.sort((a, b) => b.generation - a.generation);
}

/**
 * Loads every key file of `dir`, the active (newest) first — ready for
 * `aesGcmCipher({ keyRing: { active: keys[0], previous: keys.slice(1) } })`.
 * @throws KeyConfigError (`ERR_INVALID_CONFIG`) for a malformed or too open key file.
 */
export async function loadKeyDirectory(dir: string): Promise<AesKey[]> {
  const generations = await listKeyFiles(dir);
  return Promise.all(generations.map((entry) => loadKeyFile(entry.path)));
}

/**
 * Makes sure `dir` exists (0700) and holds at least `credstack.key` (created atomically, 0600); returns the
 * keys, newest first, and the path of the key file this call created, if any (tell the operator to back
 * it up).
 */
export async function loadOrCreateKeyDirectory(
  dir: string,
): Promise<{ keys: AesKey[]; createdPath: string | undefined }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let createdPath: string | undefined;
  if ((await listKeyFiles(dir)).length === 0) {
    const path = join(dir, keyFileName(1));
    if ((await loadOrCreateKeyFile(path)).created) createdPath = path;
  }
  return { keys: await loadKeyDirectory(dir), createdPath };
}

/** Creates the next generation's key file in `dir` (never overwriting one): the rotation step. */
export async function addKeyFile(dir: string): Promise<{ path: string; key: AesKey }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const newest = (await listKeyFiles(dir))[0]?.generation ?? 0;
  for (let generation = newest + 1; ; generation++) {
    const path = join(dir, keyFileName(generation));
    const { key, created } = await loadOrCreateKeyFile(path);
    if (created) return { path, key };
  }
}
