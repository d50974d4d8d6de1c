import { describe, expect, it } from "vitest";
import { maxTableNameLength, tableNames } from "./identifiers.js";

describe("tableNames", () => {
  it("quotes and qualifies every derived name", () => {
    const names = tableNames("public", "credstack_credentials");
    expect(names.records).toBe('"public"."credstack_credentials"');
    expect(names.leases).toBe('"public"."credstack_credentials_leases"');
    expect(names.migrations).toBe('"public"."credstack_credentials_migrations"');
    expect(names.expiresIndex).toBe('"credstack_credentials_expires_at_idx"');
    expect(names.location).toBe("public.credstack_credentials (provider, account)");
  });

  it.each([
    ["", "t"],
    ["Public", "t"],
    ['a"; drop table x; --', "t"],
    ["s", "1table"],
    ["s", "a-b"],
    ["s", "a.b"],
    ["s", "x".repeat(maxTableNameLength + 1)],
    ["x".repeat(64), "t"],
  ])("rejects schema %j / table %j", (schema, table) => {
    expect(() => tableNames(schema, table)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARGUMENT" }),
    );
  });

  it("accepts the longest names", () => {
    expect(() => tableNames("s".repeat(63), "t".repeat(maxTableNameLength))).not.toThrow();
  });
});
