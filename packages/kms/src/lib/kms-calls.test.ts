import { describe, expect, it } from "vitest";
import { kmsFailure } from "./kms-calls.js";

const sdkError = (name: string) => Object.assign(new Error(`${name}: details`), { name });

describe("kmsFailure", () => {
  it.each(["AccessDeniedException", "DisabledException", "KMSInvalidStateException", "NotFoundException"])(
    "maps %s to ERR_KEY_ACCESS_DENIED naming the key",
    (name) => {
      const error = kmsFailure("arn:aws:kms:eu-west-1:1:key/k", "Decrypt", sdkError(name));
      expect(error).toMatchObject({
        code: "ERR_KEY_ACCESS_DENIED",
        keyId: "arn:aws:kms:eu-west-1:1:key/k",
        reason: name,
      });
      expect(error.message).toContain("arn:aws:kms:eu-west-1:1:key/k");
    },
  );

  it("maps a refused ciphertext or context to ERR_INTEGRITY", () => {
    expect(kmsFailure("k", "Decrypt", sdkError("InvalidCiphertextException"))).toMatchObject({
      code: "ERR_INTEGRITY",
    });
  });

  it("maps network failures, throttling and timeouts to ERR_CIPHER_UNAVAILABLE", () => {
    for (const name of [
      "TimeoutError",
      "AbortError",
      "ThrottlingException",
      "KMSInternalException",
      "Error",
    ]) {
      expect(kmsFailure("k", "GenerateDataKey", sdkError(name))).toMatchObject({
        code: "ERR_CIPHER_UNAVAILABLE",
      });
    }
  });
});
