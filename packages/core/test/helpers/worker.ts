import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createInterface, type Interface } from "node:readline";
import { fileURLToPath } from "node:url";

const worker = fileURLToPath(new URL("../fixtures/refresh-worker.mjs", import.meta.url));

/** A resolver process (test/fixtures/refresh-worker.mjs): one JSON line per "go" line. */
export interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<Record<string, unknown>>;
  /** Asks for one resolve and returns its outcome. */
  resolve(): Promise<Record<string, unknown>>;
  /** Ends the process. */
  stop(): Promise<void>;
}

/** Starts a resolver process with `env` (BACKEND, STORE_URL, KEY_B64, PROVIDER_CONFIG, ACCOUNT, ...). */
export function startWorker(env: Record<string, string>): Worker {
  // The worker processes run the built package. Never skip silently: without dist the test fails and says why.
  if (!existsSync(fileURLToPath(new URL("../../dist/index.js", import.meta.url)))) {
    throw new Error("packages/core/dist is missing: run `pnpm build` (turbo builds before `pnpm test`).");
  }
  const child = spawn(process.execPath, [worker], { env: { ...process.env, ...env }, stdio: "pipe" });
  const lines: Interface = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  lines.on("line", (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else queue.push(line);
  });
  const next = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker silent; stderr: ${stderr.slice(0, 2000)}`)),
        20_000,
      );
      const take = (line: string) => {
        clearTimeout(timer);
        resolve(JSON.parse(line));
      };
      const queued = queue.shift();
      if (queued !== undefined) take(queued);
      else waiting.push(take);
    });
  return {
    child,
    next,
    resolve() {
      child.stdin.write("go\n");
      return next();
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.write("exit\n");
      await exited;
    },
  };
}

/** A short hash of a token, as the worker prints it (never the token). */
export const hash = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 16);
