import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/**
 * The OpenTelemetry SDK with in-memory exporters, for assertions on spans and metrics: pass
 * `tracerProvider` and `meterProvider` to the code under test. Registers an AsyncLocalStorage context
 * manager globally so that child spans link to their parents across `await`.
 */
export function memoryTelemetry() {
  // Parent/child links across awaits need a context manager (an application's SDK registers one).
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => spans.getFinishedSpans(),
    /** Every data point, collected now: `{ name, attributes, value }`. */
    async points() {
      await reader.forceFlush();
      const out: { name: string; attributes: Record<string, unknown>; value: unknown }[] = [];
      for (const batch of metricExporter.getMetrics())
        for (const scope of batch.scopeMetrics)
          for (const metric of scope.metrics)
            for (const point of metric.dataPoints)
              out.push({ name: metric.descriptor.name, attributes: point.attributes, value: point.value });
      metricExporter.reset();
      return out;
    },
    /** Everything telemetry holds as text: span names, attributes, statuses, events, metric attributes. */
    async allText() {
      const texts: string[] = [];
      for (const span of spans.getFinishedSpans()) {
        texts.push(span.name, JSON.stringify(span.attributes), JSON.stringify(span.status));
        for (const event of span.events) texts.push(event.name, JSON.stringify(event.attributes ?? {}));
      }
      for (const point of await this.points()) texts.push(point.name, JSON.stringify(point.attributes));
      return texts.join("\n");
    },
  };
}
