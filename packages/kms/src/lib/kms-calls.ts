import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from "@aws-sdk/client-kms";
import { CipherUnavailableError, KeyAccessDeniedError, KmsIntegrityError } from "../errors.js";

const refused = new Set([
  "AccessDeniedException",
  "DisabledException",
  "KMSInvalidStateException",
  "NotFoundException",
  "KeyUnavailableException",
  "UnrecognizedClientException",
  "InvalidKeyUsageException",
]);
const integrity = new Set(["InvalidCiphertextException", "IncorrectKeyException"]);

/** Maps an SDK failure to a typed credstack error; messages carry the key id and error name only. @internal */
export function kmsFailure(keyId: string, operation: string, error: unknown): Error {
  const name = (error as { name?: string }).name ?? "Error";
  if (refused.has(name)) return new KeyAccessDeniedError(keyId, name, { cause: error });
  if (integrity.has(name)) {
    return new KmsIntegrityError(
      `KMS ${operation} with key ${keyId} failed: ${name} (tampered data, or a record moved to another account).`,
      { cause: error },
    );
  }
  return new CipherUnavailableError(keyId, `KMS ${operation} with key ${keyId} failed: ${name}.`, {
    cause: error,
  });
}

/** A fresh AES-256 data key. @internal */
export async function generateDataKey(
  client: KMSClient,
  keyId: string,
  context: Record<string, string>,
  timeoutMs: number,
): Promise<{ plaintext: Buffer; encrypted: Uint8Array; keyArn: string }> {
  try {
    const output = await client.send(
      new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256", EncryptionContext: context }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    if (!output.Plaintext || !output.CiphertextBlob || output.Plaintext.length !== 32) {
      throw Object.assign(new Error("GenerateDataKey returned no usable key"), { name: "InvalidResponse" });
    }
    return {
      plaintext: Buffer.from(output.Plaintext),
      encrypted: output.CiphertextBlob,
      keyArn: output.KeyId ?? keyId,
    };
  } catch (error) {
    throw kmsFailure(keyId, "GenerateDataKey", error);
  }
}

/** The plaintext of an encrypted data key; KMS checks the encryption context. @internal */
export async function decryptDataKey(
  client: KMSClient,
  keyId: string,
  encrypted: Uint8Array,
  context: Record<string, string>,
  timeoutMs: number,
): Promise<Buffer> {
  try {
    const output = await client.send(
      // No KeyId: the header's key id is untrusted until AES-GCM authenticates the header, and KMS finds
      // the key from the ciphertext blob itself.
      new DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: context }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    if (output.Plaintext?.length !== 32) {
      throw Object.assign(new Error("Decrypt returned no usable key"), {
        name: "InvalidCiphertextException",
      });
    }
    return Buffer.from(output.Plaintext);
  } catch (error) {
    throw kmsFailure(keyId, "Decrypt", error);
  }
}
