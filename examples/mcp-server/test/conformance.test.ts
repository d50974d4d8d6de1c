// The official MCP conformance suite's server scenarios that fit a tool server, run against the example
// behind its real bearer auth: the suite's test client speaks MCP but not OAuth, so a loopback proxy adds
// a real access token (client-credentials grant at the test authorization server, obtained by
// storeOAuthClientProvider through the example's protected-resource metadata) and passes Host/Origin through.
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { storeOAuthClientProvider } from "@credstack/mcp";
import { aesGcmCipher, type CredentialStore, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { auth } from "@modelcontextprotocol/sdk/client/auth.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createExampleApp, type ExampleApp } from "../src/app.js";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { type BearerProxy, startBearerProxy } from "./helpers/bearer-proxy.js";

/** The server scenarios run (README.md lists them with the ones left out). */
const scenarios = ["server-initialize", "ping", "tools-list", "dns-rebinding-protection"];
const machine = { clientId: "conformance-runner", clientSecret: "conformance-runner-secret" };
const cli = fileURLToPath(
  new URL("../node_modules/@modelcontextprotocol/conformance/dist/index.js", import.meta.url),
);
// The Node 22 the suite's CLI needs, from @credstack/mcp's conformance helper (one install for both).
const node22Helper = fileURLToPath(new URL("../../../packages/mcp/conformance/node22.mjs", import.meta.url));

let http: Server;
let authServer: AuthServer;
let dir: string;
let store: CredentialStore;
let example: ExampleApp;
let proxy: BearerProxy;
let node: string;
let results: string;

beforeAll(async () => {
  node = ((await import(node22Helper)) as { node22: () => string }).node22();
  http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  authServer = await startAuthServer({
    downstreamRedirectUri: `${baseUrl}/oauth/callback`,
    machineClients: [{ ...machine, method: "client_secret_basic" }],
  });
  dir = await mkdtemp(join(tmpdir(), "credstack-mcp-example-conformance-"));
  results = join(dir, "results");
  store = fileStore({
    dir: join(dir, "store"),
    cipher: aesGcmCipher({ keyRing: { active: generateKey() } }),
  });
  example = createExampleApp({
    baseUrl,
    authorizationServer: { issuer: authServer.issuer, jwksUrl: authServer.jwksUrl },
    store,
    provider: {
      slug: "demo",
      config: authServer.config,
      userinfoEndpoint: `${authServer.issuer}/me`,
      profileScopes: ["openid", "email"],
      extraScopes: ["api:read"],
    },
  });
  http.on("request", example.app);

  const provider = storeOAuthClientProvider({
    store: memoryStore(),
    serverUrl: `${baseUrl}/mcp`,
    issuer: authServer.issuer,
    clientMetadata: { client_name: "conformance runner", redirect_uris: [], scope: "mcp:tools" },
    clientCredentials: machine,
  });
  expect(await auth(provider, { serverUrl: `${baseUrl}/mcp` })).toBe("AUTHORIZED");
  const token = (await provider.tokens())?.access_token as string;
  proxy = await startBearerProxy(baseUrl, () => token);
});

afterAll(async () => {
  await proxy?.close();
  await example?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await authServer?.close();
  await store?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

/** Runs one server scenario with the suite's CLI; the checks it saved. */
async function runScenario(scenario: string) {
  const out = join(results, scenario);
  const args = [cli, "server", "--url", `${proxy.url}/mcp`, "--scenario", scenario, "-o", out];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(node, args, { stdio: ["ignore", "pipe", "pipe"] });
    let text = "";
    child.stdout.on("data", (chunk) => {
      text += chunk;
    });
    child.stderr.on("data", (chunk) => {
      text += chunk;
    });
    child.on("close", (exit) => resolve({ code: exit, output: text }));
  });
  const [saved] = await readdir(out);
  const checks = JSON.parse(await readFile(join(out, saved as string, "checks.json"), "utf8")) as {
    id: string;
    status: string;
    errorMessage?: string;
  }[];
  return { code, output, checks };
}

describe("example MCP server: the conformance suite's tool-server scenarios, behind bearer auth", () => {
  it.each(scenarios)("%s", async (scenario) => {
    const { code, output, checks } = await runScenario(scenario);
    const notPassed = checks.filter((check) => check.status !== "SUCCESS");
    expect(notPassed, output).toEqual([]);
    expect(checks.length).toBeGreaterThan(0);
    expect(code, output).toBe(0);
  });
});
