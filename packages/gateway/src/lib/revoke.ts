import type { ProviderConfig } from "@credstack/core";
import type { CredentialRecord } from "@credstack/storage";

/** What the provider said to a revocation request. @internal */
export type ProviderRevocation = "revoked" | "not_supported" | "failed" | "nothing_to_revoke";

/**
 * Revokes the credential at the provider (RFC 7009): the refresh token when there is one (revoking it
 * also ends its access tokens at conforming servers), else the access token. Authenticates the client as
 * the token endpoint does. Never throws; a network error or a non-200 answer is `failed`.
 * @internal
 */
export async function revokeAtProvider(
  config: ProviderConfig,
  record: CredentialRecord,
  fetchImpl: typeof fetch,
): Promise<ProviderRevocation> {
  if (config.revocation_endpoint === undefined) return "not_supported";
  const token = record.refreshToken ?? record.accessToken;
  if (token === undefined) return "nothing_to_revoke";
  const url = new URL(config.revocation_endpoint);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && config.allowInsecureRequests === true)) {
    return "failed";
  }
  const body = new URLSearchParams({
    token,
    token_type_hint: record.refreshToken === undefined ? "access_token" : "refresh_token",
  });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  const method =
    config.clientAuthMethod ?? (config.clientSecret === undefined ? "none" : "client_secret_basic");
  if (method === "client_secret_basic") {
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, "+");
    headers.authorization = `Basic ${Buffer.from(`${encode(config.clientId)}:${encode(config.clientSecret ?? "")}`).toString("base64")}`;
  } else {
    body.set("client_id", config.clientId);
    if (method === "client_secret_post") body.set("client_secret", config.clientSecret ?? "");
  }
  try {
    const response = await fetchImpl(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
    });
    await response.body?.cancel().catch(() => {});
    return response.status === 200 ? "revoked" : "failed";
  } catch {
    return "failed";
  }
}
