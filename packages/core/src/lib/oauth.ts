import * as oauth from "oauth4webapi";
import type { ProviderConfig } from "../provider-config.js";

/** oauth4webapi's view of a provider. @internal */
export function serverOf(config: ProviderConfig): oauth.AuthorizationServer {
  return {
    issuer: config.issuer,
    authorization_endpoint: config.authorization_endpoint,
    token_endpoint: config.token_endpoint,
    ...(config.revocation_endpoint === undefined ? {} : { revocation_endpoint: config.revocation_endpoint }),
    ...(config.authorization_response_iss_parameter_supported === true
      ? { authorization_response_iss_parameter_supported: true }
      : {}),
  };
}

/** oauth4webapi's client. @internal */
export function clientOf(config: ProviderConfig): oauth.Client {
  return config.idTokenSigningAlg === undefined
    ? { client_id: config.clientId }
    : { client_id: config.clientId, id_token_signed_response_alg: config.idTokenSigningAlg };
}

/** The client authentication to use. @internal */
export function clientAuthOf(config: ProviderConfig): oauth.ClientAuth {
  const method =
    config.clientAuthMethod ?? (config.clientSecret === undefined ? "none" : "client_secret_basic");
  if (method === "none") return oauth.None();
  const secret = config.clientSecret ?? "";
  return method === "client_secret_post" ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}

/** Request options: timeout, insecure loopback, custom fetch. @internal */
export function requestOptionsOf(
  config: ProviderConfig,
  fetchImpl: typeof fetch | undefined,
): oauth.TokenEndpointRequestOptions {
  const options: oauth.TokenEndpointRequestOptions = {
    signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
  };
  if (config.allowInsecureRequests === true) options[oauth.allowInsecureRequests] = true;
  if (fetchImpl !== undefined) options[oauth.customFetch] = fetchImpl;
  return options;
}

/** A secret-free description of an oauth4webapi or fetch error, safe to chain as `cause`. @internal */
export function describeOAuthError(error: unknown): Error {
  if (error instanceof oauth.ResponseBodyError) {
    return new Error(`token endpoint answered ${error.status} ${error.error}`);
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new Error(`authorization response error ${error.error}`);
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return new Error(
      `${error.name}${typeof code === "string" ? ` ${code}` : ""}: ${error.message.slice(0, 200)}`,
    );
  }
  return new Error("unknown error");
}
