#!/usr/bin/env node
// The MCP client the official conformance suite (@modelcontextprotocol/conformance) drives: run as
// `node client.mjs <server-url>` with MCP_CONFORMANCE_SCENARIO (and MCP_CONFORMANCE_CONTEXT) set by the
// suite. It is wired as a user would wire @credstack/mcp: the SDK's Client and Streamable HTTP transport,
// whose OAuth provider is storeOAuthClientProvider on a real credstack store — an encrypted file store, or
// (CREDSTACK_CONFORMANCE_STORE=memory) a sealed memory store. It exits non-zero when an operation fails.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeOAuthClientProvider } from "@credstack/mcp";
import { aesGcmCipher, generateKey, memoryStore } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CallToolResultSchema, ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const redirectUrl = "http://localhost:3000/callback";
// The suite's client ID metadata document URL (used when the server supports URL-based client ids).
const clientMetadataUrl = "https://conformance-test.local/client-metadata.json";
// Authorizations one operation may go through: the suite's retry-limit scenario wants at most 3.
const maxAuthorizations = 3;

async function openStore() {
  const cipher = aesGcmCipher({ keyRing: { active: generateKey() } });
  if (process.env.CREDSTACK_CONFORMANCE_STORE === "memory") {
    return { store: memoryStore({ cipher }), cleanup: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), "credstack-conformance-"));
  const store = fileStore({ dir, cipher });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function context() {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (raw === undefined) throw new Error("MCP_CONFORMANCE_CONTEXT is not set");
  return JSON.parse(raw);
}

/**
 * An interactive provider whose "user" is this process: it opens the authorization URL without following
 * the redirect and keeps the code from the redirect back, as a browser and a local callback server would.
 */
function interactiveProvider(store, serverUrl, extra = {}) {
  const pending = { code: undefined };
  const provider = storeOAuthClientProvider({
    store,
    serverUrl,
    redirectUrl,
    clientMetadata: { client_name: "credstack conformance client", redirect_uris: [redirectUrl] },
    clientMetadataUrl,
    onAuthorizationUrl: async (url) => {
      const response = await fetch(url, { redirect: "manual" });
      const location = response.headers.get("location");
      const code = location === null ? null : new URL(location).searchParams.get("code");
      if (code === null)
        throw new Error(`the authorization server answered ${response.status} without a code`);
      pending.code = code;
    },
    ...extra,
  });
  return { provider, pending };
}

/**
 * Runs `operation`; when it fails for an authorization the provider has just completed (the code is in
 * `pending`), finishes it on the transport in use and runs `operation` again.
 */
async function withAuthorization(pending, transportInUse, operation) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (
        !(error instanceof UnauthorizedError) ||
        pending?.code === undefined ||
        attempt >= maxAuthorizations
      ) {
        throw error;
      }
      const code = pending.code;
      pending.code = undefined;
      await transportInUse().finishAuth(code);
    }
  }
}

/** Connects a client (with `capabilities`) through a transport using `provider`, authorizing when asked. */
async function connect(serverUrl, provider, pending, options = {}) {
  let transport;
  let client;
  await withAuthorization(
    pending,
    () => transport,
    async () => {
      // A transport whose connection was refused is not reused: each attempt gets a new one.
      transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
        ...(provider === undefined ? {} : { authProvider: provider }),
        ...options.transport,
      });
      client = new Client(
        { name: "credstack-conformance-client", version: "0.0.0" },
        { capabilities: options.capabilities ?? {} },
      );
      await client.connect(transport);
    },
  );
  return { client, transport };
}

/** The auth scenarios: connect, list tools, call the test tool, each authorizing when the server asks. */
async function authScenario(serverUrl, provider, pending) {
  const { client, transport } = await connect(serverUrl, provider, pending);
  await withAuthorization(
    pending,
    () => transport,
    () => client.listTools(),
  );
  await withAuthorization(
    pending,
    () => transport,
    () => client.callTool({ name: "test-tool", arguments: {} }),
  );
  await transport.close();
}

const scenarios = {
  async initialize(serverUrl, store) {
    const { provider } = interactiveProvider(store, serverUrl);
    const { client, transport } = await connect(serverUrl, provider);
    await client.listTools();
    await transport.close();
  },

  async tools_call(serverUrl, store) {
    const { provider } = interactiveProvider(store, serverUrl);
    const { client, transport } = await connect(serverUrl, provider);
    const { tools } = await client.listTools();
    for (const tool of tools) await client.callTool({ name: tool.name, arguments: { a: 2, b: 3 } });
    await transport.close();
  },

  async "elicitation-sep1034-client-defaults"(serverUrl, store) {
    const { provider } = interactiveProvider(store, serverUrl);
    const { client, transport } = await connect(serverUrl, provider, undefined, {
      capabilities: { elicitation: { form: { applyDefaults: true } } },
    });
    // Accept with no content: the SDK fills in the schema's defaults.
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: {} }));
    const { tools } = await client.listTools();
    for (const tool of tools) await client.callTool({ name: tool.name, arguments: {} });
    await transport.close();
  },

  async "sse-retry"(serverUrl, store) {
    const { provider } = interactiveProvider(store, serverUrl);
    const { client, transport } = await connect(serverUrl, provider, undefined, {
      transport: {
        reconnectionOptions: {
          initialReconnectionDelay: 1000,
          maxReconnectionDelay: 10000,
          reconnectionDelayGrowFactor: 1.5,
          maxRetries: 3,
        },
      },
    });
    await client.request(
      { method: "tools/call", params: { name: "test_reconnection", arguments: {} } },
      CallToolResultSchema,
    );
    await transport.close();
  },

  async "auth/pre-registration"(serverUrl, store) {
    const { client_id, client_secret } = context();
    const { provider, pending } = interactiveProvider(store, serverUrl, {
      clientMetadataUrl: undefined,
      clientInformation: { client_id, client_secret, redirect_uris: [redirectUrl] },
    });
    await authScenario(serverUrl, provider, pending);
  },

  async "auth/client-credentials-basic"(serverUrl, store) {
    const { client_id, client_secret } = context();
    await machineScenario(serverUrl, store, { clientId: client_id, clientSecret: client_secret });
  },

  async "auth/client-credentials-jwt"(serverUrl, store) {
    const { client_id, private_key_pem, signing_algorithm } = context();
    await machineScenario(serverUrl, store, {
      clientId: client_id,
      privateKey: private_key_pem,
      algorithm: signing_algorithm ?? "ES256",
    });
  },
};

async function machineScenario(serverUrl, store, clientCredentials) {
  const provider = storeOAuthClientProvider({
    store,
    serverUrl,
    clientMetadata: {
      client_name: "credstack conformance machine client",
      redirect_uris: [],
      grant_types: ["client_credentials"],
    },
    clientCredentials,
  });
  const { client, transport } = await connect(serverUrl, provider);
  await client.listTools();
  await transport.close();
}

async function main() {
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO;
  const serverUrl = process.argv[2];
  if (scenario === undefined || serverUrl === undefined) {
    throw new Error("usage: MCP_CONFORMANCE_SCENARIO=<scenario> node client.mjs <server-url>");
  }
  const run =
    scenarios[scenario] ??
    (scenario.startsWith("auth/")
      ? (url, store) => {
          const { provider, pending } = interactiveProvider(store, url);
          return authScenario(url, provider, pending);
        }
      : undefined);
  if (run === undefined) throw new Error(`no handler for scenario ${scenario}`);
  const { store, cleanup } = await openStore();
  try {
    await run(serverUrl, store);
  } finally {
    await cleanup();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
