import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AuthServer, startAuthServer } from "./helpers/auth-server.js";
import { startScriptedTokenServer } from "./helpers/scripted-token-server.js";
import { alice, expire, setup, signIn } from "./helpers/setup.js";

let server: AuthServer;
beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

/** Everything an error exposes: message, cause chain, own properties. */
function dump(value: unknown, depth = 0): string {
  if (depth > 5 || value === null || value === undefined) return "";
  if (value instanceof Error) {
    return [
      value.message,
      value.stack ?? "",
      JSON.stringify({ ...value }),
      dump(value.cause, depth + 1),
    ].join("\n");
  }
  return JSON.stringify(value);
}

describe("no token value in any error, trace or event", () => {
  it("holds across success, refresh, failures and invalid_grant", async () => {
    const seeds = ["SEED-ACCESS-7f3a9c", "SEED-REFRESH-c0ffee", "SEED-ID-TOKEN-bead"] as const;
    const seen: string[] = [];
    const tokens = await startScriptedTokenServer();
    const parts = setup({ test: tokens.config, real: { ...server.config } });
    const record = {
      provider: "test",
      account: alice,
      accessToken: seeds[0],
      refreshToken: seeds[1],
      idToken: seeds[2],
      scopes: ["api:read"],
      expiresAt: parts.clock() - 1,
    };
    await parts.store.put(record, { expectedVersion: 0 });
    const ask = { provider: "test", account: alice, scopes: ["api:read"] };
    for (const reply of [
      { status: 500, body: { error: "server_error", error_description: `echo ${seeds[1]}` } },
      { status: 400, body: { error: "invalid_client", error_description: `echo ${seeds[1]}` } },
      { status: 200, body: { access_token: 42 } },
      { status: 400, body: { error: "invalid_grant", error_description: `echo ${seeds[1]}` } },
    ]) {
      tokens.reply(reply);
      parts.clock.advance(31_000);
      const outcome = await parts.resolver.resolve(ask).catch((error: unknown) => error);
      seen.push(dump(outcome));
    }
    // A real flow: its tokens must not leak into traces either.
    const real = await signIn(server, parts, "real");
    await expire(parts, "real");
    const refreshed = await parts.resolver.resolve({
      provider: "real",
      account: alice,
      scopes: ["api:read"],
    });
    seen.push(JSON.stringify(refreshed.trace), JSON.stringify(parts.events));
    await tokens.close();
    const text = seen.join("\n");
    for (const secret of [
      ...seeds,
      real.refreshToken as string,
      real.accessToken as string,
      "scripted-secret",
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain("ERR_REFRESH_FAILED");
  });
});
