import type { Authorizer } from "../authorizer.js";
import { notApplicable, resolved, type Source } from "../source.js";

/**
 * The authorization fallback: when no source had a usable token, returns the authorization URL(s) for
 * the missing scopes (PKCE, transaction stored first). Needs a verified identity, or a trusted account
 * argument; otherwise not applicable (the call ends `identity_required`).
 */
export function authorize(authorizer: Authorizer): Source {
  return {
    name: "authorize",
    async resolve(context) {
      if (context.identity === undefined && !context.trustAccountArgument) {
        return notApplicable("no verified identity to authorize for");
      }
      const request = await authorizer.begin({
        provider: context.provider,
        ...(context.account === undefined ? {} : { account: context.account }),
        ...(context.identity === undefined ? {} : { identityId: context.identity.id }),
        scopes: context.scopes,
        grantedScopes: context.grantedScopes ?? [],
      });
      return resolved({
        kind: "authorization_required",
        flows: request.flows,
        missingScopes: request.missingScopes,
      });
    },
  };
}
