import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { describeStoreUri, parseStoreUri, redactStoreUri } from "./store-uri.js";

describe("parseStoreUri", () => {
  it("parses every scheme", () => {
    expect(parseStoreUri("file:./dir")).toEqual({ kind: "file", dir: resolve("dir") });
    expect(parseStoreUri("file:///abs/dir")).toEqual({ kind: "file", dir: "/abs/dir" });
    expect(parseStoreUri("legacy:./credentials")).toEqual({ kind: "legacy", dir: resolve("credentials") });
    expect(parseStoreUri("memory:")).toEqual({ kind: "memory" });
    expect(parseStoreUri("postgres://u:p@h:5432/db?table=creds&schema=app&sslmode=disable")).toEqual({
      kind: "postgres",
      connectionString: "postgres://u:p@h:5432/db?sslmode=disable",
      table: "creds",
      schema: "app",
    });
    expect(parseStoreUri("redis://h:6379/2?prefix=svc")).toEqual({
      kind: "redis",
      url: "redis://h:6379/2",
      prefix: "svc",
    });
  });

  it("redacts passwords when describing", () => {
    expect(redactStoreUri("postgres://user:pa55@host/db")).toBe("postgres://user:***@host/db");
    expect(redactStoreUri("redis://:pa55@host:6379")).toBe("redis://:***@host:6379");
    expect(describeStoreUri(parseStoreUri("postgres://user:pa55@host/db?table=t"))).toBe(
      "postgres://user:***@host/db (table=t)",
    );
  });

  it("rejects what it cannot open", () => {
    expect(() => parseStoreUri("")).toThrow(/Empty store URI/);
    expect(() => parseStoreUri("s3://bucket")).toThrow(/Unknown store URI/);
    expect(() => parseStoreUri("postgres://u:pa55@/db")).toThrow(/not a valid URL/);
    expect(() => parseStoreUri("postgres://u:pa55@/db")).not.toThrow(/pa55/);
    expect(() => parseStoreUri("postgres://h/db?schema=Nope")).toThrow(/schema=/);
    expect(() => parseStoreUri("redis://h?prefix={x}")).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
    expect(() => parseStoreUri("file:")).toThrow(/needs a directory/);
  });

  it("takes preparedStatements=true|false off a postgres URI", () => {
    expect(parseStoreUri("postgres://h/db?preparedStatements=false&sslmode=disable")).toEqual({
      kind: "postgres",
      connectionString: "postgres://h/db?sslmode=disable",
      preparedStatements: false,
    });
    expect(parseStoreUri("postgres://h/db?preparedStatements=true")).toMatchObject({
      preparedStatements: true,
    });
    expect(describeStoreUri(parseStoreUri("postgres://h/db?preparedStatements=false"))).toBe(
      "postgres://h/db (preparedStatements=false)",
    );
    expect(() => parseStoreUri("postgres://h/db?preparedStatements=no")).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_CONFIG" }),
    );
  });

  it("resolves relative paths against cwd", () => {
    expect(parseStoreUri("file:./dir", { cwd: "/srv/app" })).toEqual({ kind: "file", dir: "/srv/app/dir" });
    expect(parseStoreUri("file:///abs", { cwd: "/srv/app" })).toEqual({ kind: "file", dir: "/abs" });
  });
});
