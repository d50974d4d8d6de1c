import { isCredstackError } from "@credstack/errors";
import {
  type Counter,
  type Histogram,
  type MeterProvider,
  metrics,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";

/** Histogram buckets for durations in seconds (1 ms … 10 s). */
const secondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Where the KMS calls of one cipher are reported. @internal */
export interface KmsInstruments {
  readonly tracer: Tracer;
  /** `credstack.kms.calls` {credstack.kms.operation, credstack.outcome} */
  readonly calls: Counter;
  /** `credstack.kms.duration` (s) {credstack.kms.operation, credstack.outcome} */
  readonly duration: Histogram;
}

/** The instruments of `@credstack/kms` over the given (or the global) providers. @internal */
export function kmsInstruments(providers: {
  readonly tracerProvider?: TracerProvider | undefined;
  readonly meterProvider?: MeterProvider | undefined;
}): KmsInstruments {
  const meter = (providers.meterProvider ?? metrics.getMeterProvider()).getMeter("@credstack/kms");
  return {
    tracer: (providers.tracerProvider ?? trace.getTracerProvider()).getTracer("@credstack/kms"),
    calls: meter.createCounter("credstack.kms.calls", {
      description: "KMS calls (GenerateDataKey, Decrypt), by operation and outcome",
    }),
    duration: meter.createHistogram("credstack.kms.duration", {
      description: "Duration of KMS calls, by operation and outcome",
      unit: "s",
      advice: { explicitBucketBoundaries: secondsBuckets },
    }),
  };
}

/**
 * Runs one KMS call in a span `credstack.kms.<operation>`, counting it and timing it; the outcome is
 * `ok` or the typed error's code (never a message, a key or an encryption context). @internal
 */
export function kmsCall<T>(
  instruments: KmsInstruments,
  operation: "GenerateDataKey" | "Decrypt",
  work: () => Promise<T>,
): Promise<T> {
  const start = performance.now();
  return instruments.tracer.startActiveSpan(
    `credstack.kms.${operation}`,
    { attributes: { "credstack.kms.operation": operation } },
    async (span) => {
      let outcome = "ok";
      try {
        return await work();
      } catch (error) {
        outcome = isCredstackError(error) ? error.code : "ERR_UNEXPECTED";
        span.setAttribute("error.type", outcome);
        span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        throw error;
      } finally {
        span.end();
        const labels = { "credstack.kms.operation": operation, "credstack.outcome": outcome };
        instruments.calls.add(1, labels);
        instruments.duration.record((performance.now() - start) / 1000, labels);
      }
    },
  );
}
