#!/usr/bin/env node
import { isCredstackError } from "@credstack/errors";
import { gatewayCommandOf } from "./lib/bin-args.js";
import { runGateway } from "./run.js";

const command = gatewayCommandOf(process.argv.slice(2), process.env);
if (command.kind === "exit") {
  if (command.out !== undefined) process.stdout.write(`${command.out}\n`);
  if (command.err !== undefined) process.stderr.write(`${command.err}\n`);
  process.exit(command.code);
}

try {
  const running = await runGateway({ env: command.env });
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
