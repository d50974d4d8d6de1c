import { createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createBearerJwtVerifier } from "../src/index.js";

const issuer = "https://idp.test";
const audience = "urn:credstack:test-api";
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let publicJwk: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256");
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256" };
});

/** A verifier whose key set counts the signature checks it serves. */
function countingVerifier(verifiedCacheMs?: number) {
  const local = createLocalJWKSet({ keys: [publicJwk] });
  const counter = { checks: 0 };
  const jwks: JWTVerifyGetKey = (header, token) => {
    counter.checks++;
    return local(header, token);
  };
  const verifier = createBearerJwtVerifier({
    jwks,
    issuer,
    audience,
    ...(verifiedCacheMs === undefined ? {} : { verifiedCacheMs }),
  });
  return { verifier, counter };
}

const token = (expSeconds: number) =>
  new SignJWT({ sub: "u1", email: "a@example.com" })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(expSeconds)
    .sign(privateKey);

describe("createBearerJwtVerifier: verified tokens are remembered until their exp", () => {
  it("checks a token's signature once for repeated calls, and again for another token", async () => {
    const { verifier, counter } = countingVerifier();
    const now = Date.now();
    const first = await token(Math.floor(now / 1000) + 300);
    for (let i = 0; i < 5; i++) {
      expect((await verifier.verify(first, now + i)).account).toBe("a@example.com");
    }
    expect(counter.checks).toBe(1);
    await verifier.verify(await token(Math.floor(now / 1000) + 301), now);
    expect(counter.checks).toBe(2);
  });

  it("never serves a remembered token past its exp, nor past verifiedCacheMs", async () => {
    const { verifier, counter } = countingVerifier(1000);
    const now = Date.now();
    const exp = Math.floor(now / 1000) + 120;
    const jwt = await token(exp);
    await verifier.verify(jwt, now);
    await verifier.verify(jwt, now + 500);
    expect(counter.checks).toBe(1);
    await verifier.verify(jwt, now + 1500); // past verifiedCacheMs: checked again
    expect(counter.checks).toBe(2);
    // Past exp (and the clock tolerance): refused, whatever was remembered.
    await expect(verifier.verify(jwt, exp * 1000 + 31_000)).rejects.toMatchObject({
      code: "ERR_INVALID_TOKEN",
    });
  });

  it("verifies every call with verifiedCacheMs: 0, and refuses a negative value", async () => {
    const { verifier, counter } = countingVerifier(0);
    const now = Date.now();
    const jwt = await token(Math.floor(now / 1000) + 300);
    await verifier.verify(jwt, now);
    await verifier.verify(jwt, now);
    expect(counter.checks).toBe(2);
    expect(() => countingVerifier(-1)).toThrow(/verifiedCacheMs/);
  });
});
