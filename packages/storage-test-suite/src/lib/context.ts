import { randomBytes } from "node:crypto";
import type { Cipher, CredentialStore } from "@credstack/storage";
import type { StoreHarness } from "../harness.js";

/** One test's view of the harness: a fresh namespace, stores opened on it, cleaned up at the end. @internal */
export interface TestContext {
  readonly namespace: string;
  open(cipher?: Cipher): Promise<CredentialStore>;
  dispose(): Promise<void>;
}

/** A new namespace on `harness`. @internal */
export function newContext(harness: StoreHarness, defaultCipher: () => Cipher | undefined): TestContext {
  const namespace = `ns_${randomBytes(6).toString("hex")}`;
  const opened: CredentialStore[] = [];
  return {
    namespace,
    async open(cipher) {
      const chosen = cipher ?? defaultCipher();
      const store = await harness.open(chosen === undefined ? { namespace } : { namespace, cipher: chosen });
      opened.push(store);
      return store;
    },
    async dispose() {
      for (const store of opened.splice(0)) await store.close().catch(() => {});
      await harness.destroy?.(namespace);
    },
  };
}

/** The error a promise rejects with (fails the test if it resolves). @internal */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error("expected the call to fail, and it succeeded");
}

/** Collects an async iterable. @internal */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
