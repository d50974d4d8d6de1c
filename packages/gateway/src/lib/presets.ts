import type { IdentityProof } from "@credstack/core";

/** Endpoints of the providers the config file can name with `preset`. @internal */
export interface ProviderPreset {
  /** How the provider proves who signed in. */
  readonly identityProof: IdentityProof;
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly revocation_endpoint?: string;
  readonly scopes: "google" | "microsoft" | "github";
  readonly clientAuthMethod?: "client_secret_basic" | "client_secret_post";
  readonly authorizationParams?: Readonly<Record<string, string>>;
}

/** Google, Microsoft (per tenant) and GitHub. @internal */
export function presetOf(name: "google" | "microsoft" | "github", tenant = "common"): ProviderPreset {
  switch (name) {
    case "google":
      return {
        issuer: "https://accounts.google.com",
        authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        token_endpoint: "https://oauth2.googleapis.com/token",
        revocation_endpoint: "https://oauth2.googleapis.com/revoke",
        scopes: "google",
        identityProof: { method: "id_token" },
        clientAuthMethod: "client_secret_post",
        authorizationParams: { prompt: "consent" },
      };
    case "microsoft":
      return {
        issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
        authorization_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `https://login.microsoftonline.com/${tenant}/oauth2/v2.0/token`,
        scopes: "microsoft",
        identityProof: { method: "microsoft_graph" },
        clientAuthMethod: "client_secret_post",
      };
    case "github":
      return {
        issuer: "https://github.com",
        authorization_endpoint: "https://github.com/login/oauth/authorize",
        token_endpoint: "https://github.com/login/oauth/access_token",
        scopes: "github",
        identityProof: { method: "github" },
        clientAuthMethod: "client_secret_post",
      };
  }
}
