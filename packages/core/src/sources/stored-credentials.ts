import type { Refresher } from "../refresher.js";
import { notApplicable, resolved, type Source } from "../source.js";

/** `usable()` options, made once. */
const forced = Object.freeze({ force: true });
const unforced = Object.freeze({ force: false });

/**
 * The stored-credentials source: the selected account's credential from the store, kept usable by the
 * refresher (refreshed ahead inside the window, one shared refresh when expired, `forceRefresh` once).
 * A credential that does not cover the scopes is not applicable; its scopes go to the fallback, which
 * then asks only for what is missing.
 */
export function storedCredentials(refresher: Refresher): Source {
  return {
    name: "storedCredentials",
    async resolve(context) {
      const account = context.account;
      if (account === undefined) {
        return notApplicable(
          context.identity === undefined
            ? "no verified identity (the account argument is not trusted)"
            : "no account",
        );
      }
      const record = await refresher.read({ provider: context.provider, account });
      if (record === undefined) return notApplicable("no stored credential");
      if (!context.scopePolicy.covers(record.scopes, context.scopes)) {
        return notApplicable("the stored credential lacks requested scopes", {
          grantedScopes: record.scopes,
        });
      }
      const usable = await refresher.usable(record, context.forceRefresh ? forced : unforced);
      if (usable.kind === "authorization_required")
        return notApplicable(usable.reason, { grantedScopes: [] });
      const current = usable.record;
      if (current.accessToken === undefined)
        return notApplicable("the stored credential has no access token");
      // The record as read was checked above; only a refreshed one needs checking again.
      if (current !== record && !context.scopePolicy.covers(current.scopes, context.scopes)) {
        return notApplicable("the refreshed credential lacks requested scopes", {
          grantedScopes: current.scopes,
        });
      }
      const { accessToken, expiresAt, scopes } = current;
      return resolved(
        expiresAt === undefined
          ? { kind: "token", accessToken, scopes, account: current.account }
          : { kind: "token", accessToken, expiresAt, scopes, account: current.account },
      );
    },
    async close() {
      await refresher.close();
    },
  };
}
