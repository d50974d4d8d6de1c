/**
 * `@credstack/storage-test-suite`: the conformance suites every credstack store and cipher must pass, for
 * Vitest. An adapter's contract test is a few lines:
 *
 * ```ts
 * storeConformance("myStore", { open: ({ namespace, cipher }) => myStore({ namespace, cipher }), raw }, {
 *   encrypted: true,
 * });
 * ```
 *
 * @packageDocumentation
 */
export { cipherConformance } from "./cipher-conformance.js";
export { type FaultProxy, tcpFaultProxy } from "./fault-proxy.js";
export {
  aesGcmCipherSet,
  encodingsOf,
  fullCredential,
  hostileAccounts,
  type RefreshLoop,
  seededSecret,
  startRefreshLoop,
} from "./fixtures.js";
export type {
  CipherFactory,
  CipherSet,
  FailureInjection,
  OpenContext,
  RawAccess,
  StoreConformanceOptions,
  StoreHarness,
  TamperField,
} from "./harness.js";
export { randomDelayCipher, yieldingCipher } from "./slow-ciphers.js";
export { storeConformance } from "./store-conformance.js";
