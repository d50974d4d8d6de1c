import { describe, expect, it } from "vitest";
import { authorizationRequiredToolResult } from "./authorization-required.js";

describe("authorizationRequiredToolResult", () => {
  it("is the one documented shape: isError, a text naming the URL, structuredContent with the details", () => {
    const url = "https://auth.example.com/authorize?state=s1";
    const result = authorizationRequiredToolResult("google", {
      url,
      missingScopes: ["a", "b"],
      flows: [
        { flow: "main", url, scopes: ["a"], transactionId: "s1" } as never,
        { flow: "photos", url: "https://auth.example.com/authorize?state=s2", scopes: ["b"] },
      ],
    });
    expect(result).toEqual({
      isError: true,
      content: [
        {
          type: "text",
          text: `Authorization required for google (missing scopes: a, b). Ask the user to open ${url} and then call the tool again. Then complete 1 more authorization(s).`,
        },
      ],
      structuredContent: {
        error: "authorization_required",
        provider: "google",
        authorizationUrl: url,
        missingScopes: ["a", "b"],
        flows: [
          { flow: "main", url, scopes: ["a"] },
          { flow: "photos", url: "https://auth.example.com/authorize?state=s2", scopes: ["b"] },
        ],
      },
    });
  });

  it("adds the gateway's session and expiry, and one main flow when none are listed", () => {
    const result = authorizationRequiredToolResult("test", {
      url: "https://x.example/a",
      missingScopes: [],
      sessionId: "abc",
      expiresAt: 5,
    });
    expect(result.structuredContent).toEqual({
      error: "authorization_required",
      provider: "test",
      authorizationUrl: "https://x.example/a",
      missingScopes: [],
      flows: [{ flow: "main", url: "https://x.example/a", scopes: [] }],
      sessionId: "abc",
      expiresAt: 5,
    });
    expect(result.content[0]?.text).toBe(
      "Authorization required for test. Ask the user to open https://x.example/a and then call the tool again.",
    );
  });
});
