import type { CredentialKey, CredentialStore, Lease } from "@credstack/storage";
import type { MeterProvider, TracerProvider } from "@opentelemetry/api";
import {
  codeOf,
  failSpan,
  type Instruments,
  inSpan,
  instrumentsOf,
  secondsSince,
} from "./lib/instruments.js";

/**
 * Where spans and metrics go. Without it, the global providers of `@opentelemetry/api`: an SDK you
 * register (e.g. `NodeSDK`) receives them; without an SDK every call is a no-op.
 */
export interface TelemetryOptions {
  /** Tracer provider. @default the global one (`trace.getTracerProvider()`) */
  readonly tracerProvider?: TracerProvider;
  /** Meter provider. @default the global one (`metrics.getMeterProvider()`) */
  readonly meterProvider?: MeterProvider;
}

const instrumented = Symbol.for("credstack.instrumentedStore");

/** True when `store` is already a wrapper made by {@link instrumentStore}. */
function isInstrumented(store: CredentialStore): boolean {
  return (store as { [instrumented]?: unknown })[instrumented] === true;
}

/**
 * Wraps a store so that each call — `get`, `getMany`, `put`, `delete`, `list`, `lease`, `putMany` — is a span
 * `credstack.store.<operation>` and a sample of the histogram `credstack.store.duration` (seconds,
 * attributes `credstack.store.operation` and `credstack.outcome`: `ok` or the error code). Attributes
 * name the provider, never the account nor any record field. Results and errors pass through unchanged;
 * `watch` and `close` are passed through. Wrapping an instrumented store returns it as it is.
 * `createRefresher` and `createAuthorizer` wrap their store themselves.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore;
 * const observed = instrumentStore(store);
 * await observed.get({ provider: "google", account: "a@example.com" }); // span credstack.store.get
 * ```
 */
export function instrumentStore(store: CredentialStore, options: TelemetryOptions = {}): CredentialStore {
  if (isInstrumented(store)) return store;
  const instruments = instrumentsOf(options);
  const timed = <T>(operation: string, provider: string | undefined, work: () => Promise<T>) =>
    observe(instruments, operation, provider, work);
  const wrapper: CredentialStore & { [instrumented]: true } = {
    [instrumented]: true,
    get capabilities() {
      return store.capabilities;
    },
    get: (key) => timed("get", key?.provider, () => store.get(key)),
    put: (record, putOptions) => timed("put", record?.provider, () => store.put(record, putOptions)),
    delete: (key, deleteOptions) => timed("delete", key?.provider, () => store.delete(key, deleteOptions)),
    list: (listOptions) => listed(instruments, store, listOptions),
    close: () => store.close(),
  };
  if (typeof store.lease === "function") {
    const lease = store.lease.bind(store);
    wrapper.lease = (key: CredentialKey, leaseOptions): Promise<Lease> =>
      timed("lease", key?.provider, () => lease(key, leaseOptions));
  }
  if (typeof store.putMany === "function") {
    const putMany = store.putMany.bind(store);
    wrapper.putMany = (records) => timed("putMany", undefined, () => putMany(records));
  }
  if (typeof store.getMany === "function") {
    const getMany = store.getMany.bind(store);
    wrapper.getMany = (keys) => timed("getMany", undefined, () => getMany(keys));
  }
  if (typeof store.watch === "function") wrapper.watch = store.watch.bind(store);
  return wrapper;
}

async function observe<T>(
  instruments: Instruments,
  operation: string,
  provider: string | undefined,
  work: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  const attributes = {
    "credstack.store.operation": operation,
    ...(typeof provider === "string" ? { "credstack.provider": provider } : {}),
  };
  try {
    const result = await inSpan(instruments.tracer, `credstack.store.${operation}`, attributes, work);
    instruments.storeDuration.record(secondsSince(start), {
      "credstack.store.operation": operation,
      "credstack.outcome": "ok",
    });
    return result;
  } catch (error) {
    instruments.storeDuration.record(secondsSince(start), {
      "credstack.store.operation": operation,
      "credstack.outcome": codeOf(error),
    });
    throw error;
  }
}

/** `list()`: one span and one duration sample for the whole iteration (until done, stopped or failed). */
async function* listed(
  instruments: Instruments,
  store: CredentialStore,
  options: Parameters<CredentialStore["list"]>[0],
): AsyncGenerator<CredentialKey> {
  const start = performance.now();
  const span = instruments.tracer.startSpan("credstack.store.list", {
    attributes: {
      "credstack.store.operation": "list",
      ...(typeof options?.provider === "string" ? { "credstack.provider": options.provider } : {}),
    },
  });
  let outcome = "ok";
  try {
    yield* store.list(options);
  } catch (error) {
    outcome = codeOf(error);
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
    instruments.storeDuration.record(secondsSince(start), {
      "credstack.store.operation": "list",
      "credstack.outcome": outcome,
    });
  }
}
