import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { type MotoServer, startMoto } from "@credstack/test-services";

/** A KMS endpoint for the tests: CREDSTACK_TEST_KMS_ENDPOINT, or a moto_server started here. */
export async function kmsEndpoint(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const fromEnv = process.env.CREDSTACK_TEST_KMS_ENDPOINT;
  if (fromEnv) return { endpoint: fromEnv, stop: async () => {} };
  const moto: MotoServer = await startMoto();
  return { endpoint: moto.endpoint, stop: () => moto.stop() };
}

/** A real `@aws-sdk/client-kms` client talking HTTP to the emulator. */
export function kmsClient(endpoint: string): KMSClient {
  return new KMSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    maxAttempts: 1,
  });
}

/** Creates a symmetric key and returns its ARN. */
export async function createKey(client: KMSClient): Promise<string> {
  const output = await client.send(
    new CreateKeyCommand({ KeySpec: "SYMMETRIC_DEFAULT", KeyUsage: "ENCRYPT_DECRYPT" }),
  );
  return output.KeyMetadata?.Arn as string;
}
