import { AbortedError, InvalidArgumentError, isCredstackError } from "@credstack/errors";
import { context as otelContext, SpanStatusCode } from "@opentelemetry/api";
import { type AccountLinks, selectAccount } from "./account-links.js";
import { CoreConfigError, InvalidTokenError } from "./errors.js";
import {
  codeOf,
  failSpan,
  inSpan,
  instrumentsOf,
  type StartedSpan,
  startRecordingSpan,
} from "./lib/instruments.js";
import { scopePolicyFor } from "./lib/scope-policy.js";
import type { ProviderConfigs } from "./provider-config.js";
import {
  inertReasonOf,
  type ResolvedToken,
  type Source,
  type SourceContext,
  type SourceOutcome,
} from "./source.js";
import type { TelemetryOptions } from "./telemetry.js";
import type {
  Clock,
  Identity,
  ResolveInput,
  ResolveResult,
  TokenResult,
  TraceEntry,
  UnauthorizedResult,
} from "./types.js";

/** Options of {@link createResolver}. */
export interface ResolverOptions extends TelemetryOptions {
  /** The sources, in priority order (usually {@link defaultChain}). */
  readonly chain: readonly Source[];
  /** Clock handed to every source. @default Date.now */
  readonly clock?: Clock;
  /** Identity → accounts. Without an entry, an identity's only account is its own. @default none (own account only) */
  readonly accountLinks?: AccountLinks;
  /**
   * Honour the `account` argument when no source verified the caller. Only for single-user local setups
   * (a CLI on the user's own machine): anyone who can call the resolver can then pick any account.
   * @default false
   */
  readonly trustAccountArgument?: boolean;
  /** Provider configs, to pick each provider's scope registry (`scopes` field). @default registry by slug */
  readonly providers?: ProviderConfigs;
}

/** Per-call options of {@link Resolver.resolve}. */
export interface ResolveOptions {
  /**
   * Aborts the call: `resolve()` then rejects at once with `AbortedError` (`ERR_ABORTED`). Work other
   * callers share (a single-flight refresh, a store read) goes on and still serves them.
   */
  readonly signal?: AbortSignal;
}

/** The resolver. */
export interface Resolver {
  /**
   * Walks the chain and returns a token, an authorization request or `unauthorized`, always with a trace.
   * Rejects only on unexpected errors (store down, refresh failed transiently, bad arguments), unchanged,
   * and with `AbortedError` (`ERR_ABORTED`) when `options.signal` aborts.
   */
  resolve(input: ResolveInput, options?: ResolveOptions): Promise<ResolveResult>;
  /** Closes the sources (timers, background refreshes); never closes your store. */
  close(): Promise<void>;
}

function checkInput(input: ResolveInput): void {
  if (typeof input?.provider !== "string" || input.provider.length === 0) {
    throw new InvalidArgumentError("resolve() needs a provider.");
  }
  if (!Array.isArray(input.scopes)) throw new InvalidArgumentError("resolve() needs scopes (an array).");
  if (input.account !== undefined && typeof input.account !== "string") {
    throw new InvalidArgumentError("resolve(): account must be a string.");
  }
}

/** `work`, unless `signal` aborts first: then `AbortedError` at once (`work` goes on for its other users). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(abortedBy(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(abortedBy(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

const abortedBy = (signal: AbortSignal) =>
  new AbortedError("resolve() was aborted by its signal.", { cause: signal.reason });

/**
 * Creates a resolver over a chain of sources. Only `notApplicable` moves to the next source; a bad bearer
 * token ends the call `unauthorized(invalid_token)`; any other error rejects unchanged.
 *
 * Account rule: `account` only selects among the verified identity's accounts (primary + linked). With no
 * verified identity, it is ignored unless `trustAccountArgument` is set.
 *
 * @example
 * ```ts
 * declare const refresher: Refresher, authorizer: Authorizer, request: Request;
 * const resolver = createResolver({ chain: defaultChain({ refresher, authorizer }) });
 * const result = await resolver.resolve({ request, provider: "google", scopes: ["drive.readonly"] });
 * ```
 */
export function createResolver(options: ResolverOptions): Resolver {
  if (!Array.isArray(options?.chain) || options.chain.length === 0) {
    throw new CoreConfigError("createResolver: chain must be a non-empty array of sources.");
  }
  const chain = [...options.chain];
  const names = new Set<string>();
  for (const source of chain) {
    if (typeof source?.resolve !== "function" || typeof source.name !== "string") {
      throw new CoreConfigError("createResolver: every source needs a name and resolve().");
    }
    if (names.has(source.name))
      throw new CoreConfigError(`createResolver: two sources are named ${source.name}.`);
    names.add(source.name);
  }
  const clock = options.clock ?? Date.now;
  const trust = options.trustAccountArgument === true;
  const providers = options.providers ?? {};
  const instruments = instrumentsOf(options);

  /** Per link: the reason it gives when it never applies (an unconfigured link), else `undefined`. */
  const inert = chain.map((source) => inertReasonOf(source));

  /** One source's call, in its own child span. */
  const callSource = (source: Source, context: SourceContext, signal: AbortSignal | undefined) =>
    inSpan(
      instruments.tracer,
      `credstack.source ${source.name}`,
      { "credstack.source": source.name, "credstack.provider": context.provider },
      async (span) => {
        const outcome = await untilAborted(source.resolve(context), signal);
        span.setAttribute("credstack.outcome", outcome.type);
        return outcome;
      },
    );

  /** The call with its `credstack.resolve` span (when `started`) and its `credstack.resolves` count. */
  async function observed(
    input: ResolveInput,
    signal: AbortSignal | undefined,
    provider: string,
    started: StartedSpan | undefined,
  ): Promise<ResolveResult> {
    const span = started?.span;
    let result = "error";
    try {
      if (signal?.aborted) throw abortedBy(signal);
      const answer = await walk(input, signal, started !== undefined);
      result = answer.kind;
      if (span !== undefined) {
        span.setAttribute("credstack.result", result);
        if (answer.kind === "token") span.setAttribute("credstack.source", answer.source);
        if (answer.kind === "unauthorized") {
          span.setAttribute("credstack.unauthorized", answer.error);
          span.setStatus({ code: SpanStatusCode.UNSET });
        }
      }
      return answer;
    } catch (error) {
      result = codeOf(error) === "ERR_ABORTED" ? "aborted" : "error";
      if (span !== undefined) {
        span.setAttribute("credstack.result", result);
        failSpan(span, error);
      }
      throw error;
    } finally {
      if (instruments.metered) {
        instruments.resolves.add(1, { "credstack.provider": provider, "credstack.result": result });
      }
      span?.end();
    }
  }

  return {
    resolve(input, resolveOptions) {
      const signal = resolveOptions?.signal;
      const provider = typeof input?.provider === "string" ? input.provider : "";
      const started = startRecordingSpan(instruments.tracer, "credstack.resolve", {
        "credstack.provider": provider,
      });
      if (started !== undefined) {
        return otelContext.with(started.context, observed, undefined, input, signal, provider, started);
      }
      if (instruments.metered) return observed(input, signal, provider, undefined);
      // No SDK: neither spans nor metrics are recorded, so the walk alone is the call.
      return signal?.aborted ? Promise.reject(abortedBy(signal)) : walk(input, signal, false);
    },
    async close() {
      const results = await Promise.allSettled(chain.map((source) => source.close?.()));
      const failure = results.find((result) => result.status === "rejected");
      if (failure !== undefined) throw (failure as PromiseRejectedResult).reason;
    },
  };

  /** `trace` entries `skipped` for the links from `from` on. */
  function skipRest(trace: TraceEntry[], from: number): void {
    for (let index = from; index < chain.length; index++) {
      trace.push({ source: (chain[index] as Source).name, outcome: "skipped" });
    }
  }

  /**
   * Walks the chain. `traced`: each source runs in its own span; untraced, a link that never applies is
   * recorded without being called (its outcome is known, and skipping it saves an await).
   */
  async function walk(
    input: ResolveInput,
    signal: AbortSignal | undefined,
    traced: boolean,
  ): Promise<ResolveResult> {
    checkInput(input);
    const provider = input.provider;
    const config = Object.hasOwn(providers, provider) ? providers[provider] : undefined;
    const scopePolicy = scopePolicyFor(config?.scopes ?? provider);
    const trace: TraceEntry[] = [];
    const reasons: string[] = [];
    let identity: Identity | undefined;
    let account = trust ? input.account : undefined;
    let grantedScopes: readonly string[] | undefined;
    const scopes = scopePolicy.resolve(input.scopes);
    // One context serves the sources until what they are told changes (identity, account, granted scopes).
    let context: SourceContext | undefined;
    const unauthorized = (error: UnauthorizedResult["error"], description: string): UnauthorizedResult =>
      identity === undefined
        ? { kind: "unauthorized", error, description, trace }
        : { kind: "unauthorized", error, description, identity, trace };

    for (let index = 0; index < chain.length; index++) {
      const source = chain[index] as Source;
      const never = traced ? undefined : inert[index];
      if (never !== undefined) {
        trace.push({ source: source.name, outcome: "not_applicable", reason: never });
        reasons.push(`${source.name}: ${never}`);
        continue;
      }
      context ??= {
        input,
        provider,
        request: input.request,
        identity,
        account,
        trustAccountArgument: trust,
        scopes,
        scopePolicy,
        grantedScopes,
        reasons,
        forceRefresh: input.forceRefresh === true,
        clock,
      };
      let outcome: SourceOutcome;
      try {
        outcome = await (traced
          ? callSource(source, context, signal)
          : untilAborted(source.resolve(context), signal));
      } catch (error) {
        trace.push({
          source: source.name,
          outcome: "failed",
          code: isCredstackError(error) ? error.code : "ERR_UNEXPECTED",
        });
        skipRest(trace, index + 1);
        if (error instanceof InvalidTokenError) return unauthorized("invalid_token", error.message);
        throw error;
      }
      if (outcome.type === "resolved") {
        const identifiedHere = outcome.identity !== undefined && identity === undefined;
        if (identifiedHere) identity = outcome.identity;
        trace.push(resolvedEntry(source.name, outcome.reason, identifiedHere));
        skipRest(trace, index + 1);
        const value = outcome.value;
        if (value.kind === "token") return tokenResult(value, source.name, identity, trace);
        const first = value.flows[0];
        if (first === undefined)
          throw new CoreConfigError(`Source ${source.name} returned no authorization flow.`);
        return {
          kind: "authorization_required",
          url: first.url,
          transactionId: first.transactionId,
          missingScopes: value.missingScopes,
          reasons: [...reasons],
          flows: value.flows,
          ...(identity === undefined ? {} : { identity }),
          trace,
        };
      }
      const identified = outcome.identity !== undefined && identity === undefined;
      trace.push({
        source: source.name,
        outcome: "not_applicable",
        reason: outcome.reason,
        ...(identified ? { identified: true } : {}),
      });
      reasons.push(`${source.name}: ${outcome.reason}`);
      if (outcome.grantedScopes !== undefined) {
        grantedScopes = outcome.grantedScopes;
        context = undefined;
      }
      if (identified && outcome.identity !== undefined) {
        identity = outcome.identity;
        context = undefined;
        const links = (await untilAborted(
          Promise.resolve(options.accountLinks?.get(identity.id)),
          signal,
        )) ?? {
          primary: identity.account,
          linked: [],
        };
        account = selectAccount(links, input.account);
        if (account === undefined) {
          skipRest(trace, index + 1);
          return unauthorized(
            "account_not_allowed",
            "The requested account is not one the caller's identity may use (primary or linked).",
          );
        }
      }
    }
    return identity === undefined && account === undefined
      ? unauthorized(
          "identity_required",
          "No source verified the caller, and the account argument is not trusted on its own.",
        )
      : unauthorized("no_credential", "No source had a token and none could start an authorization.");
  }
}

/** The trace entry of the source that resolved (fields in the order the trace has always had). */
function resolvedEntry(source: string, reason: string | undefined, identified: boolean): TraceEntry {
  if (reason === undefined)
    return identified ? { source, outcome: "resolved", identified } : { source, outcome: "resolved" };
  return identified
    ? { source, outcome: "resolved", reason, identified }
    : { source, outcome: "resolved", reason };
}

/** The token answer (fields in the order the result has always had, optional ones only when set). */
function tokenResult(
  value: ResolvedToken,
  source: string,
  identity: Identity | undefined,
  trace: readonly TraceEntry[],
): TokenResult {
  const { accessToken, expiresAt, scopes, account } = value;
  if (identity === undefined) {
    return expiresAt === undefined
      ? { kind: "token", accessToken, scopes, account, source, trace }
      : { kind: "token", accessToken, expiresAt, scopes, account, source, trace };
  }
  return expiresAt === undefined
    ? { kind: "token", accessToken, scopes, account, source, identity, trace }
    : { kind: "token", accessToken, expiresAt, scopes, account, source, identity, trace };
}
