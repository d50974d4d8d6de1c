import { type LegacyKeys, legacyDirectoryStore } from "@credstack/compat";
import type { CredentialStore } from "@credstack/storage";

/** Opens a legacy credentials directory read-only, through @credstack/compat's `legacyDirectoryStore`. */
export async function openLegacyStore(dir: string, keys: LegacyKeys = {}): Promise<CredentialStore> {
  return legacyDirectoryStore({ dir, keys });
}
