import { readFileSync } from "node:fs";
import { memoryStore } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { createGateway, hashApiKey } from "../src/index.js";
import { keyA } from "./helpers/setup.js";

// The document @fastify/swagger generates from the routes' zod schemas. The snapshot was reviewed against
// the hand-written document it replaced (docs/gateway.md lists the accepted differences); a change to a
// route's schema or documentation shows here and must be reviewed again.
const snapshot = JSON.parse(readFileSync(new URL("./fixtures/openapi.json", import.meta.url), "utf8"));

describe("OpenAPI document", () => {
  it("is generated from the routes and equals the reviewed snapshot", async () => {
    const gateway = await createGateway({
      store: memoryStore(),
      providers: {},
      apiKeys: [{ id: "a", hash: hashApiKey(keyA), mode: "unrestricted" }],
      sweepIntervalMs: 0,
    });
    try {
      const answer = await gateway.app.inject({ url: "/openapi.json", headers: { "x-api-key": keyA } });
      expect(answer.statusCode).toBe(200);
      const doc = answer.json();
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect({ ...doc, info: { ...doc.info, version: "<version>" } }).toEqual(snapshot);
    } finally {
      await gateway.close();
    }
  });
});
