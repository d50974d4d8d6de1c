import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aesGcmCipher, generateKey, memoryStore, StoreUnavailableError } from "@credstack/storage";
import { fileStore } from "@credstack/storage-file";
import { afterAll, describe, expect, it } from "vitest";
import { type AuditEvent, createGateway, hashApiKey } from "../src/index.js";
import { transactionProvider } from "../src/lib/flow-records.js";
import { alice, type Harness, keyA, startHarness } from "./helpers/setup.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
  const h = await startHarness(...args);
  cleanups.push(() => h.close());
  return h;
}

async function countRecords(h: Harness, provider: string): Promise<number> {
  let count = 0;
  for await (const _key of h.store.list({ provider })) count++;
  return count;
}

describe("abuse limits", () => {
  it("failed authentications from one address are answered 429 with Retry-After; valid keys still pass", async () => {
    const h = await harness({ failedAuthLimit: { max: 5, windowMs: 60_000 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const answer = await h.call("GET", `/auth/providers/${alice}`, undefined, `csk_wrong_${i}`);
      statuses.push(answer.status);
      if (answer.status === 429) {
        retryAfter = answer.headers.get("retry-after");
        expect(answer.json).toEqual({ error: "rate_limited", message: expect.any(String) });
      }
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5).every((status) => status === 429)).toBe(true);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await h.call("GET", `/auth/providers/${alice}`)).status).toBe(200);
  });

  it("repeated 403s reuse one pending authorization per account; a key's pending flows are capped", async () => {
    const h = await harness({ maxPendingPerKey: 3 });
    const accounts = ["u1@example.com", "u2@example.com", "u3@example.com"];
    const sessions = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const answer = await h.call("POST", "/auth/token", { provider: "test", account: accounts[i % 3] });
      expect(answer.status).toBe(403);
      sessions.add(answer.json.sessionId);
    }
    expect(sessions.size).toBe(3);
    expect(await countRecords(h, transactionProvider)).toBe(3);
    expect(await countRecords(h, "credstack-gateway.session")).toBe(3);
    const fourth = await h.call("POST", "/auth/token", { provider: "test", account: "u4@example.com" });
    expect(fourth.status).toBe(429);
    expect(fourth.json.error).toBe("too_many_pending_authorizations");
    expect(await countRecords(h, transactionProvider)).toBe(3);
  });
});

describe("unreadable credentials", () => {
  it("a tampered record answers credential_unreadable with an authorization URL, audited; re-authorizing recovers", async () => {
    const dir = await mkdtemp(join(tmpdir(), "credstack-gw-tamper-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const store = fileStore({ dir, cipher: aesGcmCipher({ keyRing: { active: generateKey() } }) });
    cleanups.push(() => store.close());
    const events: AuditEvent[] = [];
    const h = await harness({
      store,
      audit: { onEvent: (event) => events.push(event), clearAccounts: true },
    });
    await h.signIn(alice);
    expect((await h.call("POST", "/auth/token", { provider: "test", account: alice })).status).toBe(200);
    // Flip one byte of the sealed secrets of alice's record file.
    let tampered = false;
    for (const name of await readdir(dir)) {
      const path = join(dir, name);
      const text = await readFile(path, "utf8").catch(() => "");
      if (!text.includes('"provider":"test"')) continue;
      const json = JSON.parse(text) as { sealed: string };
      const bytes = Buffer.from(json.sealed, "base64");
      bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
      await writeFile(path, JSON.stringify({ ...json, sealed: bytes.toString("base64") }));
      tampered = true;
    }
    expect(tampered).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the refresher's record cache

    const token = await h.call("POST", "/auth/token", { provider: "test", account: alice });
    expect(token.status).toBe(409);
    expect(token.json.error).toBe("credential_unreadable");
    expect(new URL(token.json.authorizationUrl).origin).toBe(h.server.issuer);
    expect(events.some((event) => event.type === "credential_unreadable" && event.account === alice)).toBe(
      true,
    );
    const listing = await h.call("GET", `/auth/providers/${alice}`);
    expect(listing.status).toBe(200);
    expect(listing.json.unreadable).toEqual(["test"]);
    const init = await h.call("POST", "/auth/init", { provider: "test", account: alice });
    expect(init.status).toBe(200);

    const page = await fetch(await h.server.authorize(token.json.authorizationUrl, alice));
    expect(page.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await h.call("POST", "/auth/token", { provider: "test", account: alice })).status).toBe(200);
  });
});

describe("audit trail", () => {
  it("structured events through one hook and the gateway log, accounts pseudonymised", async () => {
    const events: AuditEvent[] = [];
    const lines: string[] = [];
    const h = await harness({
      audit: { onEvent: (event) => events.push(event), pseudonymKey: "audit-test-key-0123456789" },
      logger: { level: "info", stream: { write: (line: string) => lines.push(line) } },
    });
    await h.signIn(alice);
    expect((await h.call("POST", "/auth/token", { provider: "test", account: alice })).status).toBe(200);
    await h.call("GET", `/auth/providers/${alice}`, undefined, "csk_wrong");
    const pending = await h.call("POST", "/auth/init", { provider: "test", account: "zed@example.com" });
    const state = new URL(pending.json.authorizationUrl).searchParams.get("state");
    await fetch(`${h.base}/auth/callback/test?error=access_denied&state=${state}`);
    await h.call("DELETE", "/auth/revoke", { provider: "test", account: alice });
    const types = events.map((event) => event.type);
    for (const type of [
      "authorization_started",
      "authorization_completed",
      "token_served",
      "key_refused",
      "authorization_refused",
      "revoke",
    ]) {
      expect(types).toContain(type);
    }
    const served = events.find((event) => event.type === "token_served");
    expect(served).toMatchObject({ keyId: "a", provider: "test", account: expect.stringMatching(/^acct_/) });
    expect(served?.scopes).toContain("api:read");
    const completed = events.find((event) => event.type === "authorization_completed");
    expect(completed?.account).toBe(served?.account); // the same pseudonym for the same account
    const text = JSON.stringify(events) + lines.join("");
    if (text.includes(alice))
      console.log("LEAK", text.slice(Math.max(0, text.indexOf(alice) - 400), text.indexOf(alice) + 100));
    expect(text).not.toContain(alice);
    expect(text).not.toContain(
      (await h.server.authorize(pending.json.authorizationUrl, "zed@example.com")).slice(-20),
    );
    const logged = lines.map((line) => JSON.parse(line)).filter((line) => line.audit !== undefined);
    expect(logged.map((line) => line.audit.type)).toEqual(types);
  });
});

describe("one error shape, nosniff everywhere", () => {
  it("Fastify-level errors answer { error, message } without echoing the request", async () => {
    const h = await harness();
    const badUrl = await fetch(`${h.base}/auth/callback/%ff?code=secretcode&state=secretstate`);
    const badBody = await badUrl.text();
    expect(badUrl.status).toBe(400);
    expect(JSON.parse(badBody)).toEqual({ error: "invalid_request", message: expect.any(String) });
    expect(badBody).not.toContain("secret");
    expect(badUrl.headers.get("x-content-type-options")).toBe("nosniff");

    const long = await fetch(`${h.base}/auth/providers/${"a".repeat(5000)}?echo=secretquery`, {
      headers: { "x-api-key": keyA },
    });
    const longBody = await long.text();
    expect(Object.keys(JSON.parse(longBody)).sort()).toEqual(["error", "message"]);
    expect(longBody).not.toContain("secretquery");
    expect(longBody).not.toContain("aaaa");

    const badJson = await fetch(`${h.base}/auth/token`, {
      method: "POST",
      headers: { "x-api-key": keyA, "content-type": "application/json" },
      body: '{"provider": secretvalue',
    });
    const badJsonBody = await badJson.text();
    expect(badJson.status).toBe(400);
    expect(Object.keys(JSON.parse(badJsonBody)).sort()).toEqual(["error", "message"]);
    expect(badJsonBody).not.toContain("secretvalue");

    const media = await fetch(`${h.base}/auth/token`, {
      method: "POST",
      headers: { "x-api-key": keyA, "content-type": "text/secret-type" },
      body: "x",
    });
    const mediaBody = await media.text();
    expect(media.status).toBe(415);
    expect(mediaBody).not.toContain("secret-type");

    for (const response of [
      await fetch(`${h.base}/health`),
      await fetch(`${h.base}/nope`),
      await fetch(`${h.base}/auth/token`, { method: "POST" }),
      media,
      long,
    ]) {
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("requests Node's parser refuses (over-long URL, malformed request) answer the same shape", async () => {
    const h = await harness();
    const { port } = new URL(h.base);
    const raw = (text: string) =>
      new Promise<string>((resolve) => {
        const socket = connect(Number(port), "127.0.0.1");
        let out = "";
        socket.on("data", (data) => {
          out += data;
        });
        socket.on("close", () => resolve(out));
        socket.on("error", () => resolve(out));
        socket.write(text);
      });
    for (const request of [
      `GET /auth/providers/${"a".repeat(20_000)}?q=secretquery HTTP/1.1\r\nHost: x\r\n\r\n`,
      "GET /auth/providers/a secretpath HTTP/1.1\r\nHost: x\r\n\r\n",
    ]) {
      const answer = await raw(request);
      const [head, body] = answer.split("\r\n\r\n");
      expect(head).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(head?.toLowerCase()).toContain("x-content-type-options: nosniff");
      expect(JSON.parse(body ?? "")).toEqual({ error: "invalid_request", message: expect.any(String) });
      expect(answer).not.toContain("secret");
    }
  });

  it("the callback answers 503 while the store is down", async () => {
    const broken = memoryStore();
    const failing = {
      ...broken,
      capabilities: broken.capabilities,
      get: async () => {
        throw new StoreUnavailableError("down");
      },
    };
    const gateway = await createGateway({
      store: failing,
      providers: {
        x: {
          issuer: "https://idp.example",
          authorization_endpoint: "https://idp.example/auth",
          token_endpoint: "https://idp.example/token",
          clientId: "c",
          redirectUri: "https://gateway.example/auth/callback/x",
          identityProof: { method: "id_token" },
        },
      },
      apiKeys: [{ id: "a", hash: hashApiKey(keyA), mode: "unrestricted" }],
      sweepIntervalMs: 0,
    });
    cleanups.push(() => gateway.close());
    const answer = await gateway.app.inject({ method: "GET", url: "/auth/callback/x?code=c&state=s" });
    expect(answer.statusCode).toBe(503);
    expect(answer.headers["x-content-type-options"]).toBe("nosniff");
  });
});
