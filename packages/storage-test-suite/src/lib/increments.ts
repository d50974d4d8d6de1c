import type { CredentialKey, CredentialStore } from "@credstack/storage";

const counter: CredentialKey = { provider: "google", account: "counter@x.com" };

/** `writers` concurrent read-increment-put loops on one key; returns the final counter and version. @internal */
export async function concurrentIncrements(
  store: CredentialStore,
  writers: number,
): Promise<{ value: string | undefined; version: number | undefined }> {
  await store.put({ ...counter, accessToken: "0" }, { expectedVersion: 0 });
  const increment = async () => {
    for (;;) {
      const current = await store.get(counter);
      if (current === undefined) throw new Error("the counter record vanished");
      // Jitter between read and write, so that other writers interleave here.
      await new Promise((resolve) => setTimeout(resolve, Math.random() < 0.5 ? 0 : 1));
      try {
        await store.put(
          { ...current, accessToken: String(Number(current.accessToken) + 1) },
          { expectedVersion: current.version },
        );
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== "ERR_VERSION_CONFLICT") throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: writers }, increment));
  const final = await store.get(counter);
  return { value: final?.accessToken, version: final?.version };
}
