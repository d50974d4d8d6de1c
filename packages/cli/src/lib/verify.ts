import { isDeepStrictEqual } from "node:util";
import type { CredentialKey, CredentialRecord, CredentialStore } from "@credstack/storage";

/** One record whose copy differs from its source. */
export interface VerifyMismatch {
  readonly key: CredentialKey;
  /** `missing` in the target, or the names of the fields that differ (never their values). */
  readonly problem: string;
}

/** What {@link verifyCopy} found. */
export interface VerifyResult {
  /** Records compared equal, field by field. */
  readonly verified: number;
  /** Records the target holds in a newer version (written there after the copy): not a mismatch. */
  readonly newerInTarget: number;
  /** Records missing or different (the first 1000). */
  readonly mismatches: readonly VerifyMismatch[];
  /** The number of mismatches. */
  readonly mismatched: number;
}

/** The names of the fields whose values differ (secrets compared too, but never printed). */
export function differingFields(a: CredentialRecord, b: CredentialRecord): string[] {
  const left = { ...a } as Record<string, unknown>;
  const right = { ...b } as Record<string, unknown>;
  const names = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...names].filter((name) => !isDeepStrictEqual(left[name], right[name])).sort();
}

/**
 * Re-reads every record of `from` (optionally one provider's) and the same key in `to`, and compares
 * them field by field, `concurrency` keys at a time.
 */
export async function verifyCopy(options: {
  from: CredentialStore;
  to: CredentialStore;
  provider?: string | undefined;
  concurrency: number;
  onProgress?: (checked: number) => void;
}): Promise<VerifyResult> {
  let verified = 0;
  let newerInTarget = 0;
  let mismatched = 0;
  const mismatches: VerifyMismatch[] = [];
  const mismatch = (key: CredentialKey, problem: string) => {
    mismatched++;
    if (mismatches.length < 1000) mismatches.push({ key, problem });
  };
  const check = async (key: CredentialKey) => {
    const source = await options.from.get(key);
    if (source === undefined) return; // deleted from the source meanwhile
    const target = await options.to.get(key);
    if (target === undefined) mismatch(key, "missing");
    else if (target.version > source.version) newerInTarget++;
    else {
      const fields = differingFields(source, target);
      if (fields.length === 0) verified++;
      else mismatch(key, `differs in ${fields.join(", ")}`);
    }
  };
  let batch: CredentialKey[] = [];
  let checked = 0;
  const flush = async () => {
    await Promise.all(batch.map(check));
    checked += batch.length;
    batch = [];
    options.onProgress?.(checked);
  };
  const listOptions = options.provider === undefined ? {} : { provider: options.provider };
  for await (const key of options.from.list(listOptions)) {
    batch.push(key);
    if (batch.length >= options.concurrency) await flush();
  }
  if (batch.length > 0) await flush();
  return { verified, newerInTarget, mismatches, mismatched };
}
