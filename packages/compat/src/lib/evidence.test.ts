import { describe, expect, it } from "vitest";
import { idTokenEmail, nameFits, weighEvidence } from "./evidence.js";

const none = new Set<string>();
const weigh = (safe: string, e: { inner?: string[]; bound?: string[]; mapped?: string }) =>
  weighEvidence({ safe, inner: e.inner ?? [], bound: new Set(e.bound ?? []), mapped: e.mapped });

describe("nameFits: every legacy writer's naming rule", () => {
  it("accepts the lower-cased (current) and as-typed (older) names of an email, and nothing else", () => {
    expect(nameFits("Pete.Plain@Example.com", "pete_plain_at_example_com")).toBe(true);
    expect(nameFits("Pete.Plain@Example.com", "Pete_Plain_at_Example_com")).toBe(true);
    expect(nameFits(" pete.plain@example.com ", "Pete_Plain_at_Example_com")).toBe(true);
    expect(nameFits("pete@example.com", "pete_plain_at_example_com")).toBe(false);
  });
});

describe("weighEvidence", () => {
  it("the identity inside decides, and must fit the name, the recipients and the mapping", () => {
    expect(weigh("Pete_Plain_at_Example_com", { inner: ["Pete.Plain@Example.com"] })).toEqual({
      kind: "decided",
      account: "Pete.Plain@Example.com",
      evidence: "credential",
    });
    expect(weigh("bob_at_example_com", { inner: ["alice@example.com"] }).kind).toBe("conflict");
    expect(
      weigh("bob_at_example_com", { inner: ["bob@example.com"], bound: ["alice@example.com"] }).kind,
    ).toBe("conflict");
    expect(
      weigh("bob_at_example_com", { inner: ["bob@example.com"], mapped: "alice@example.com" }).kind,
    ).toBe("conflict");
    expect(weigh("bob_at_example_com", { inner: ["bob@example.com", "eve@example.com"] }).kind).toBe(
      "conflict",
    );
  });

  it("recipient bindings decide when exactly one bound account fits the name", () => {
    expect(weigh("x_y_at_example_com", { bound: ["x.y@example.com", "linda@example.com"] })).toEqual({
      kind: "decided",
      account: "x.y@example.com",
      evidence: "recipient-binding",
    });
    expect(weigh("hank_at_example_com", { bound: ["grace@example.com"] }).kind).toBe("conflict");
    const contested = { safe: "bob_at_example_com", inner: [], bound: new Set(["bob@example.com"]) };
    expect(weighEvidence({ ...contested, mapped: undefined, contested: true }).kind).toBe("conflict");
    expect(weigh("x_y_at_example_com", { bound: ["x.y@example.com", "x_y@example.com"] }).kind).toBe(
      "ambiguous",
    );
    expect(
      weigh("x_y_at_example_com", {
        bound: ["x.y@example.com", "x_y@example.com"],
        mapped: "x_y@example.com",
      }),
    ).toEqual({ kind: "decided", account: "x_y@example.com", evidence: "mapping" });
  });

  it("a name with one possible email is proof; a lossy one needs a mapping that fits it", () => {
    expect(weigh("Quinn_at_Example_com", {})).toEqual({
      kind: "decided",
      account: "quinn@example.com",
      evidence: "file-name",
    });
    expect(weigh("dave_at_example_com", { mapped: "eve@example.com" }).kind).toBe("conflict");
    expect(weigh("x_y_at_example_com", {})).toMatchObject({
      kind: "ambiguous",
      candidates: ["x_y@example.com", "x.y@example.com"],
    });
    expect(weigh("x_y_at_example_com", { mapped: "X.Y@example.com" })).toEqual({
      kind: "decided",
      account: "x.y@example.com",
      evidence: "mapping",
    });
    expect(weigh("x_y_at_example_com", { mapped: "z@example.com" }).kind).toBe("conflict");
    expect(weighEvidence({ safe: "a_at_b_at_c_com", inner: [], bound: none, mapped: undefined }).kind).toBe(
      "ambiguous",
    );
  });
});

describe("idTokenEmail", () => {
  it("reads the email claim of an id_token and ignores anything else", () => {
    const payload = Buffer.from(JSON.stringify({ email: "v@example.com" })).toString("base64url");
    expect(idTokenEmail({ id_token: `e30.${payload}.sig` })).toBe("v@example.com");
    expect(idTokenEmail({ id_token: "not-a-jwt" })).toBeUndefined();
    expect(idTokenEmail({ id_token: "e30.e30.sig" })).toBeUndefined();
    expect(idTokenEmail("text")).toBeUndefined();
  });
});
