import { format, inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { parseCredentialInput, parseRecord, redactRecord } from "./record.js";

const secrets = {
  accessToken: "SECRET-access-9f8e7d",
  refreshToken: "SECRET-refresh-1a2b3c",
  idToken: "SECRET-id-4d5e6f",
  metadata: { clientSecret: "SECRET-client-7a8b9c" },
};
const record = parseRecord({
  provider: "google",
  account: "a@x.com",
  tokenType: "Bearer",
  scopes: ["openid"],
  createdAt: 1,
  updatedAt: 2,
  version: 3,
  ...secrets,
});
const seeded = ["SECRET-access-9f8e7d", "SECRET-refresh-1a2b3c", "SECRET-id-4d5e6f", "SECRET-client-7a8b9c"];
const expectClean = (text: string) => {
  for (const secret of seeded) expect(text).not.toContain(secret);
};

describe("credential records", () => {
  it("keep their secrets readable as properties", () => {
    expect(record.accessToken).toBe(secrets.accessToken);
    expect(record.metadata).toEqual(secrets.metadata);
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(record.scopes)).toBe(true);
  });

  it("never show a secret through inspect, console formatting or JSON", () => {
    const outputs = [
      inspect(record),
      inspect(record, { showHidden: true, depth: Number.POSITIVE_INFINITY }),
      inspect({ wrapped: [record] }, { depth: 9 }),
      format("%o %O %j %s", record, record, record, record),
      JSON.stringify(record),
      JSON.stringify({ list: [record] }),
      String(record),
    ];
    for (const text of outputs) expectClean(text);
    expect(JSON.parse(JSON.stringify(record))).toMatchObject({
      accessToken: "[redacted]",
      account: "a@x.com",
    });
  });

  it("leave non-secret fields visible when redacted", () => {
    expect(redactRecord(record)).toMatchObject({ provider: "google", scopes: ["openid"], version: 3 });
  });

  it("fail with ERR_INVALID_RECORD naming fields, never values", () => {
    const attempts: unknown[] = [
      {
        ...secrets,
        provider: "google",
        account: "a@x.com",
        accessToken: 12,
        refreshToken: secrets.refreshToken,
      },
      { ...secrets, provider: "GOOGLE", account: "a@x.com" },
      { ...secrets, provider: "google", account: "a@x.com", expiresAt: -1 },
      { ...secrets, provider: "google", account: "a@x.com", extra: secrets.accessToken },
      { ...secrets, provider: "google", account: "a@x.com", metadata: { f: () => secrets.accessToken } },
      null,
      "SECRET-access-9f8e7d",
    ];
    for (const attempt of attempts) {
      let caught: unknown;
      try {
        parseCredentialInput(attempt);
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: "ERR_INVALID_RECORD" });
      expectClean((caught as Error).message);
      expectClean(inspect(caught, { depth: 9 }));
    }
  });

  it("report stored data that is not a record as ERR_CORRUPT_RECORD with its location", () => {
    expect(() => parseRecord({ provider: "google" }, { location: "/tmp/x.cred" })).toThrow(
      expect.objectContaining({ code: "ERR_CORRUPT_RECORD", location: "/tmp/x.cred" }),
    );
  });
});
