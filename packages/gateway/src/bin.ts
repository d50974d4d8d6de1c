#!/usr/bin/env node
import { isCredstackError } from "@credstack/errors";
import { runGateway } from "./run.js";

try {
  const running = await runGateway();
  const stop = () => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  process.stderr.write(
    `credstack gateway: ${isCredstackError(error) ? `${error.code}: ${error.message}` : String(error)}\n`,
  );
  process.exit(1);
}
