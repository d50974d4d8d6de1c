import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { type AesKey, loadKeyFile, loadOrCreateKeyFile } from "@credstack/storage";

/**
 * Key files of a `file:` store live in its directory, one per generation, and are never overwritten:
 * `credstack.key` is generation 1, `credstack.<n>.key` generation n. The highest generation seals new
 * writes; the others only open records sealed before a rotation (`credstack rotate-key` adds one).
 */
export interface KeyGeneration {
  /** 1 for `credstack.key`, n for `credstack.<n>.key`. */
  readonly generation: number;
  /** Absolute path. */
  readonly path: string;
}

const namePattern = /^credstack(?:\.([1-9][0-9]{0,5}))?\.key$/;

/** The file name of a generation. */
export const keyFileName = (generation: number): string =>
  generation === 1 ? "credstack.key" : `credstack.${generation}.key`;

/** The key files in `dir`, newest (active) first; empty when the directory or the files do not exist. */
export async function keyGenerations(dir: string): Promise<KeyGeneration[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return [];
    throw error;
  }
  const found: KeyGeneration[] = [];
  for (const name of names) {
    const match = namePattern.exec(name);
    if (match === null) continue;
    const generation = match[1] === undefined ? 1 : Number(match[1]);
    if (generation === 1 && match[1] !== undefined) continue; // credstack.1.key is not a generation name
    found.push({ generation, path: join(dir, name) });
  }
  return found.sort((a, b) => b.generation - a.generation);
}

/** Loads every key file of `dir`, the active (newest) first. */
export async function loadGenerations(dir: string): Promise<AesKey[]> {
  const generations = await keyGenerations(dir);
  return Promise.all(generations.map((entry) => loadKeyFile(entry.path)));
}

/** Makes sure `dir` exists (0700) and holds at least `credstack.key`; returns the keys, newest first. */
export async function loadOrCreateGenerations(dir: string): Promise<AesKey[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ((await keyGenerations(dir)).length === 0) await loadOrCreateKeyFile(join(dir, keyFileName(1)));
  return loadGenerations(dir);
}

/** Creates the next generation's key file (never overwriting one) and returns its path and key. */
export async function createNextGeneration(dir: string): Promise<{ path: string; key: AesKey }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const newest = (await keyGenerations(dir))[0]?.generation ?? 0;
  for (let generation = newest + 1; ; generation++) {
    const path = join(dir, keyFileName(generation));
    const { key, created } = await loadOrCreateKeyFile(path);
    if (created) return { path, key };
  }
}
