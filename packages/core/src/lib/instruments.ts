import { isCredstackError } from "@credstack/errors";
import {
  type Attributes,
  type Context,
  type Counter,
  context,
  createNoopMeter,
  type Histogram,
  INVALID_SPAN_CONTEXT,
  type MeterProvider,
  metrics,
  type Span,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";

/** The instrumentation scope name of core's spans and metrics. @internal */
export const scopeName = "@credstack/core";

/** Histogram buckets for durations in seconds (1 ms … 10 s). @internal */
export const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Where core's spans and metrics go. @internal */
export interface Instruments {
  readonly tracer: Tracer;
  /** `credstack.resolves` {credstack.provider, credstack.result} */
  readonly resolves: Counter;
  /** `credstack.refreshes` {credstack.provider, credstack.outcome} */
  readonly refreshes: Counter;
  /** `credstack.cache.lookups` {credstack.result: hit | miss} */
  readonly cacheLookups: Counter;
  /** `credstack.store.duration` (s) {credstack.store.operation, credstack.outcome} */
  readonly storeDuration: Histogram;
  /** `credstack.provider.duration` (s) {credstack.provider, credstack.outcome} */
  readonly providerDuration: Histogram;
  /**
   * False when the meter is the API's no-op meter (no SDK registered): recording is then skipped. The
   * metrics API has no proxy, so a no-op meter stays one for the life of these instruments.
   */
  readonly metered: boolean;
}

/** Telemetry providers; the global ones of `@opentelemetry/api` (no-ops without an SDK) by default. @internal */
export interface TelemetryProviders {
  readonly tracerProvider?: TracerProvider;
  readonly meterProvider?: MeterProvider;
}

const byMeter = new WeakMap<object, Omit<Instruments, "tracer">>();

/** The instruments for `providers` (created once per meter provider). @internal */
export function instrumentsOf(providers: TelemetryProviders | undefined): Instruments {
  const meterProvider = providers?.meterProvider ?? metrics.getMeterProvider();
  const tracer = (providers?.tracerProvider ?? trace.getTracerProvider()).getTracer(scopeName);
  let found = byMeter.get(meterProvider);
  if (found === undefined) {
    const meter = meterProvider.getMeter(scopeName);
    found = {
      metered: meter !== createNoopMeter(),
      resolves: meter.createCounter("credstack.resolves", {
        description: "resolve() calls, by provider and result kind",
      }),
      refreshes: meter.createCounter("credstack.refreshes", {
        description: "Refresh events, by provider and outcome",
      }),
      cacheLookups: meter.createCounter("credstack.cache.lookups", {
        description: "Reads of the opened-record cache, by result (hit, miss)",
      }),
      storeDuration: meter.createHistogram("credstack.store.duration", {
        description: "Duration of store calls, by operation and outcome",
        unit: "s",
        advice: { explicitBucketBoundaries: secondsBuckets },
      }),
      providerDuration: meter.createHistogram("credstack.provider.duration", {
        description: "Duration of token endpoint calls, by provider and outcome",
        unit: "s",
        advice: { explicitBucketBoundaries: secondsBuckets },
      }),
    };
    byMeter.set(meterProvider, found);
  }
  return { tracer, ...found };
}

/** The stable code of an error, for attributes (never its message). @internal */
export function codeOf(error: unknown): string {
  return isCredstackError(error) ? error.code : "ERR_UNEXPECTED";
}

/** Marks `span` failed with the error's code only (no message: it may name an account). @internal */
export function failSpan(span: Span, error: unknown): void {
  span.setAttribute("error.type", codeOf(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: codeOf(error) });
}

/**
 * Runs `work` in an active span named `name`; on a throw the span gets the error's code and status
 * ERROR. The span ends when `work` settles. @internal
 */
export function inSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span {@link startRecordingSpan} started, and the context that makes it the active span. @internal */
export interface StartedSpan {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts span `name` under the active context, or returns `undefined` when the tracer is a pass-through
 * no-op (the API's default without an SDK): its span records nothing and carries its parent's span context,
 * so leaving it and its child spans out changes nothing observable and saves their cost. @internal
 */
export function startRecordingSpan(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
): StartedSpan | undefined {
  const parent = context.active();
  const span = tracer.startSpan(name, { attributes }, parent);
  if (!span.isRecording()) {
    const spanContext = span.spanContext();
    if (spanContext === INVALID_SPAN_CONTEXT || spanContext === trace.getSpanContext(parent)) {
      span.end();
      return undefined;
    }
  }
  return { span, context: trace.setSpan(parent, span) };
}

/** Seconds since `start` (a `performance.now()` value). @internal */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/**
 * One token-endpoint request in a span `credstack.token_endpoint` (attributes `credstack.provider`,
 * `credstack.grant`, `http.response.status_code`), timed into `credstack.provider.duration` with the HTTP
 * status as outcome, or `network_error` when no answer came. @internal
 */
export async function tokenEndpointCall(
  instruments: Instruments,
  provider: string,
  grant: "refresh_token" | "authorization_code",
  request: () => Promise<Response>,
): Promise<Response> {
  const started = performance.now();
  const labels = { "credstack.provider": provider };
  let outcome = "network_error";
  try {
    return await inSpan(
      instruments.tracer,
      "credstack.token_endpoint",
      { ...labels, "credstack.grant": grant },
      async (span) => {
        const response = await request();
        span.setAttribute("http.response.status_code", response.status);
        outcome = String(response.status);
        return response;
      },
    );
  } finally {
    instruments.providerDuration.record(secondsSince(started), { ...labels, "credstack.outcome": outcome });
  }
}
