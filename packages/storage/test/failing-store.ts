import type { CredentialStore } from "../src/store.js";

/** Wraps a store so that chosen methods throw a plain backend error (a disk or network failure). */
export function failing(store: CredentialStore, methods: ReadonlySet<string>): CredentialStore {
  const fail = (name: string) => {
    if (methods.has(name)) throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
  };
  return {
    capabilities: store.capabilities,
    async get(key) {
      fail("get");
      return store.get(key);
    },
    async put(record, options) {
      fail("put");
      return store.put(record, options);
    },
    async delete(key, options) {
      fail("delete");
      return store.delete(key, options);
    },
    list: (options) => store.list(options),
    close: () => store.close(),
  };
}
