import { execFile, execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { aesGcmCipher, generateKey, keyToBase64 } from "@credstack/storage";
import { afterAll, beforeAll, expect, it } from "vitest";
import { postgresStore } from "../src/index.js";
import { adminPool, dropSchema, freshSchema, pgUrl } from "./pg-env.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixtures/cas-increment.mjs", import.meta.url));
const admin = adminPool();
const schema = freshSchema("twoproc");

beforeAll(() => {
  // The children import ../dist (turbo's test task builds first); build here when run on its own.
  if (!existsSync(`${packageDir}/dist/index.js`)) {
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: packageDir, stdio: "inherit" });
  }
});
afterAll(async () => {
  await dropSchema(admin, schema);
  await admin.end();
});

const runChild = (env: Record<string, string>): Promise<{ conflicts: number }> =>
  new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [fixture],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`child failed: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as { conflicts: number });
      },
    );
  });

it("two processes each doing 200 compare-and-set increments on one key end at exactly 400", async () => {
  const key = generateKey();
  // No migration beforehand: both children migrate the new schema on first use, at the same time.
  const env = { PG_URL: pgUrl(), SCHEMA: schema, KEY_B64: keyToBase64(key), COUNT: "200" };
  const results = await Promise.all([runChild(env), runChild(env)]);
  const store = postgresStore({ pool: admin, schema, cipher: aesGcmCipher({ keyRing: { active: key } }) });
  const record = await store.get({ provider: "google", account: "counter@x.com" });
  expect(record?.metadata).toEqual({ count: 400 });
  expect(record?.version).toBe(400);
  expect(record?.accessToken).toBe("n400");
  await store.close();
  // Every conflict was retried by its child; how many there were depends on scheduling.
  expect(results).toHaveLength(2);
});
