import { freePort, hasCommand, startChild, stopChild, waitForPort } from "./process.js";

/** A running `moto_server` (AWS emulator; the tests use its KMS). */
export interface MotoServer {
  /** `http://127.0.0.1:PORT`, for the AWS SDK's `endpoint`. */
  readonly endpoint: string;
  /** The port. */
  readonly port: number;
  /** Stops it abruptly, for fault tests. */
  kill(): Promise<void>;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Starts `moto_server` on a random loopback port. */
export async function startMoto(): Promise<MotoServer> {
  if (!hasCommand("moto_server")) {
    throw new Error(
      "moto_server is missing: pip install 'moto[server]', or set CREDSTACK_TEST_KMS_ENDPOINT.",
    );
  }
  const port = await freePort();
  const child = startChild("moto_server", ["-H", "127.0.0.1", "-p", String(port)]);
  try {
    await waitForPort(port, 30_000);
  } catch (error) {
    await stopChild(child, 0);
    throw new Error(`moto_server did not start: ${child.output()}`, { cause: error });
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    kill: () => stopChild(child, 0),
    stop: () => stopChild(child),
  };
}
