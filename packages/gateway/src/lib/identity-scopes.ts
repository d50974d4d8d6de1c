import type { ProviderConfig } from "@credstack/core";

/**
 * The scopes a provider's identity proof needs, added to every flow and token request: `openid email`
 * for ID tokens and OpenID userinfo, `user:email` for GitHub, `User.Read` for Microsoft Graph.
 * @internal
 */
export function identityScopesOf(config: ProviderConfig): readonly string[] {
  switch (config.identityProof?.method) {
    case "id_token":
    case "userinfo":
      return ["openid", "email"];
    case "github":
      return ["user:email"];
    case "microsoft_graph":
      return ["User.Read"];
    default:
      return [];
  }
}
