import { cookieOf, headerOf } from "../lib/headers.js";
import type { SessionStore } from "../session-store.js";
import { notApplicable, type Source } from "../source.js";

/** Options of {@link sessions}. */
export interface SessionsOptions {
  /** The cookie holding the session id (when the request has no `sessionId`). @default "credstack_session" */
  readonly cookieName?: string;
  /** Close the session store when the resolver closes. @default true */
  readonly closeStore?: boolean;
}

/**
 * The sessions source: the request's session id (`request.sessionId` or the cookie) → the signed-in
 * caller. It identifies the caller for the sources after it; it never returns a token itself.
 */
export function sessions(store: SessionStore, options: SessionsOptions = {}): Source {
  const cookieName = options.cookieName ?? "credstack_session";
  return {
    name: "sessions",
    async resolve(context) {
      const id =
        context.request?.sessionId ?? cookieOf(headerOf(context.request?.headers, "cookie"), cookieName);
      if (id === undefined || id.length === 0) return notApplicable("no session");
      if (context.identity !== undefined) return notApplicable("the caller is already identified");
      const session = await store.get(id);
      if (session === undefined) return notApplicable("the session is unknown or has expired");
      return notApplicable("the session identified the caller", {
        identity: { id: session.identityId, account: session.account, via: "sessions" },
      });
    },
    async close() {
      if (options.closeStore !== false) await store.close();
    },
  };
}
