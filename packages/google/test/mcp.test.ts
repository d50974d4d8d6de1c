import { authorizationRequiredResult } from "@credstack/mcp";
import { drive } from "@googleapis/drive";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createGoogleServices, googleService } from "../src/index.js";
import { withAuthorizedFetch, withGoogleService } from "../src/mcp.js";
import { googleScope, user, useStack } from "./helpers/setup.js";

const stack = useStack();

/** An MCP server with two Drive tools, and a real SDK client whose calls carry `email`'s verified token. */
async function connect(email: string | undefined, google = services()) {
  const server = new McpServer({ name: "google-tools", version: "0.0.0" });
  server.registerTool(
    "list_files",
    { description: "Your Drive files.", inputSchema: { pageSize: z.number().int().optional() } },
    withGoogleService(
      google,
      googleService("drive", "v3", { scopes: ["drive_read"] }),
      async ({ service, args }) => {
        const { data } = await service.files.list({ pageSize: args.pageSize ?? 10 });
        const names = (data.files ?? []).map((file) => file.name ?? "");
        return { content: [{ type: "text", text: names.join("\n") }], structuredContent: { names } };
      },
    ),
  );
  server.registerTool(
    "list_files_and_mail",
    { description: "Needs Drive and Gmail." },
    withGoogleService(
      google,
      googleService("drive", "v3", { scopes: ["drive_read", "gmail.readonly"] }),
      async () => ({ content: [{ type: "text", text: "ok" }] }),
    ),
  );
  server.registerTool(
    "github_me",
    { description: "Your GitHub login." },
    withAuthorizedFetch(stack.resolver, { provider: "github", scopes: ["read:user"] }, async ({ fetch }) => {
      const me = (await (await fetch(`${stack.api.githubBaseUrl}/user`)).json()) as { login: string };
      return { content: [{ type: "text", text: me.login }], structuredContent: { login: me.login } };
    }),
  );
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  if (email !== undefined) {
    // What requireBearerAuth does over HTTP: the verified bearer token travels as authInfo.
    const token = stack.jwtFor(email);
    const send = clientSide.send.bind(clientSide);
    clientSide.send = (message, options) =>
      send(message, { ...options, authInfo: { token, clientId: "test", scopes: ["mcp:tools"] } });
  }
  await server.connect(serverSide);
  const client = new Client({ name: "test", version: "0.0.0" });
  await client.connect(clientSide);
  return { client, google, close: () => Promise.all([client.close(), server.close()]) };
}

function services() {
  return createGoogleServices({
    resolver: stack.resolver,
    apis: { drive },
    clientOptions: { rootUrl: stack.api.googleRootUrl },
  });
}

describe("withGoogleService (real MCP SDK server and client)", () => {
  it("the handler gets the caller's ready client: no email argument, no token", async () => {
    const alice = user("alice");
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const { client, close } = await connect(alice);
    const tools = await client.listTools();
    const listFiles = tools.tools.find((tool) => tool.name === "list_files");
    expect(Object.keys(listFiles?.inputSchema.properties ?? {})).toEqual(["pageSize"]);
    const result = await client.callTool({ name: "list_files", arguments: { pageSize: 3 } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ names: [`Notes of ${alice}`] });
    await close();
  });

  it("a missing scope returns the documented authorization result, asking only for what is missing", async () => {
    const alice = user("alice");
    await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const { client, close } = await connect(alice);
    const before = stack.api.calls.api;
    const result = await client.callTool({ name: "list_files_and_mail" });
    expect(stack.api.calls.api).toBe(before);
    const content = result.structuredContent as { authorizationUrl: string; missingScopes: string[] };
    expect(result.isError).toBe(true);
    expect(content).toMatchObject({
      error: "authorization_required",
      provider: "google",
      missingScopes: [googleScope("gmail.readonly")],
    });
    const url = new URL(content.authorizationUrl);
    expect(url.searchParams.get("scope")).toBe(googleScope("gmail.readonly"));
    // Exactly @credstack/mcp's shape (what withProviderToken returns), the shared one of @credstack/core.
    expect(Object.keys(content).sort()).toEqual([
      "authorizationUrl",
      "error",
      "flows",
      "missingScopes",
      "provider",
    ]);
    const flows = (
      content as unknown as { flows: Parameters<typeof authorizationRequiredResult>[1]["flows"] }
    ).flows;
    expect(result).toEqual(
      authorizationRequiredResult("google", {
        url: content.authorizationUrl,
        missingScopes: content.missingScopes,
        flows,
      }),
    );
    await close();
  });

  it("a call without a verified caller gets the unauthorized result", async () => {
    const { client, close } = await connect(undefined);
    const result = await client.callTool({ name: "list_files" });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toMatchObject({ error: "unauthorized", reason: "identity_required" });
    await close();
  });

  it("100 concurrent tool calls across a token expiry: one refresh, one client", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const { client, google, close } = await connect(alice);
    expect((await client.callTool({ name: "list_files" })).isError).toBeFalsy();
    stack.api.expire(accessToken);
    const redemptions = stack.api.calls.redemptions;
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await new Promise((resolve) => setTimeout(resolve, i % 20));
        return client.callTool({ name: "list_files" });
      }),
    );
    expect(results.map((result) => result.structuredContent)).toEqual(
      Array(100).fill({ names: [`Notes of ${alice}`] }),
    );
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    expect(google.builds).toBe(1);
    await close();
  });

  it("a credential revoked mid-session turns into the authorization result", async () => {
    const alice = user("alice");
    const { accessToken } = await stack.seed("google", alice, [googleScope("drive.readonly")]);
    const { client, google, close } = await connect(alice);
    expect((await client.callTool({ name: "list_files" })).isError).toBeFalsy();
    stack.api.expire(accessToken);
    stack.api.revoke(alice);
    const result = await client.callTool({ name: "list_files" });
    expect(result.structuredContent).toMatchObject({
      error: "authorization_required",
      missingScopes: [googleScope("drive.readonly")],
    });
    expect(google.size).toBe(0);
    await close();
  });

  it("withAuthorizedFetch: any provider, same rules", async () => {
    const alice = user("alice");
    const bob = user("bob");
    const { accessToken } = await stack.seed("github", alice, ["read:user"]);
    const asAlice = await connect(alice);
    expect((await asAlice.client.callTool({ name: "github_me" })).structuredContent).toEqual({
      login: alice,
    });
    expect(stack.api.log.at(-1)).toMatchObject({ account: alice, token: accessToken, status: 200 });
    stack.api.expire(accessToken);
    const redemptions = stack.api.calls.redemptions;
    const again = await Promise.all(
      Array.from({ length: 10 }, () => asAlice.client.callTool({ name: "github_me" })),
    );
    expect(again.map((result) => result.structuredContent)).toEqual(Array(10).fill({ login: alice }));
    expect(stack.api.calls.redemptions - redemptions).toBe(1);
    await asAlice.close();

    const asBob = await connect(bob);
    const before = stack.api.calls.api;
    const result = await asBob.client.callTool({ name: "github_me" });
    expect(result.structuredContent).toMatchObject({
      error: "authorization_required",
      provider: "github",
      missingScopes: ["read:user"],
    });
    expect(stack.api.calls.api).toBe(before);
    await asBob.close();
  });
});
