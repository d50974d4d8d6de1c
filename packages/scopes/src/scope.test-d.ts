import { describe, expectTypeOf, it } from "vitest";
import { type GoogleScopeName, scope } from "./index.js";

describe("scope()", () => {
  it("returns the literal URL type of a named scope", () => {
    expectTypeOf(scope("drive.readonly")).toEqualTypeOf<"https://www.googleapis.com/auth/drive.readonly">();
    expectTypeOf(scope("gmail.full")).toEqualTypeOf<"https://mail.google.com/">();
    expectTypeOf(scope("chat.bot")).toEqualTypeOf<"https://www.googleapis.com/auth/chat.bot">();
  });

  it("rejects typos at compile time", () => {
    // @ts-expect-error -- a typo in the name is a compile error
    scope("drive.readonyl");
    // @ts-expect-error -- an unknown service is a compile error
    scope("drivee.readonly");
    expectTypeOf<"photos.appendonly">().toMatchTypeOf<GoogleScopeName>();
    expectTypeOf<"calendar.fulll">().not.toMatchTypeOf<GoogleScopeName>();
  });
});
