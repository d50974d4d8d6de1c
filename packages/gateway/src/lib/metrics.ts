import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Counter } from "@opentelemetry/api";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import type { AuditEvent } from "./audit.js";

/** The gateway's Prometheus endpoint: `GET /metrics` on a listener of its own. */
export interface GatewayMetricsOptions {
  /** Address of the metrics listener. @default "127.0.0.1" */
  readonly host?: string;
  /** Port of the metrics listener (0: any free port). @default 9464 */
  readonly port?: number;
}

/** The gateway's metrics: an OpenTelemetry meter provider exposed in the Prometheus format. @internal */
export interface GatewayMetrics {
  /** Handed to core (refreshes, cache, store and token-endpoint latency) and used for the gateway's own. */
  readonly meterProvider: MeterProvider;
  /** Counts what an audit event says (tokens served, authorizations). */
  observe(event: Pick<AuditEvent, "type" | "provider">): void;
  /** Counts a request refused by a rate limit (`api_key`: the per-key limit; `failed_auth`: per address). */
  rateLimited(limit: "api_key" | "failed_auth"): void;
  /** Starts the listener; returns `http://host:port/metrics`. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** @internal */
export function gatewayMetrics(options: GatewayMetricsOptions): GatewayMetrics {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutTargetInfo: true });
  // Durations are in seconds; Prometheus names say so (`credstack_store_duration_seconds`).
  const meterProvider = new MeterProvider({
    readers: [exporter],
    views: ["credstack.store.duration", "credstack.provider.duration", "credstack.kms.duration"].map(
      (name) => ({ instrumentName: name, name: `${name}_seconds` }),
    ),
  });
  const meter = meterProvider.getMeter("@credstack/gateway");
  const tokens: Counter = meter.createCounter("credstack.gateway.tokens_served", {
    description: "Tokens served (POST /auth/token, token exchange), by provider",
  });
  const authorizations: Counter = meter.createCounter("credstack.gateway.authorizations", {
    description: "Authorizations started, completed and refused, by provider",
  });
  const limited: Counter = meter.createCounter("credstack.gateway.rate_limited", {
    description: "Requests refused by a rate limit, by limit (api_key, failed_auth)",
  });
  const outcomes: Partial<Record<AuditEvent["type"], string>> = {
    authorization_started: "started",
    authorization_completed: "completed",
    authorization_refused: "refused",
  };
  let server: Server | undefined;
  return {
    meterProvider,
    observe(event) {
      const provider = { "credstack.provider": event.provider ?? "" };
      if (event.type === "token_served") tokens.add(1, provider);
      const outcome = outcomes[event.type];
      if (outcome !== undefined) authorizations.add(1, { ...provider, "credstack.outcome": outcome });
    },
    rateLimited(limit) {
      limited.add(1, { "credstack.limit": limit });
    },
    async listen() {
      const host = options.host ?? "127.0.0.1";
      server = createServer((request, response) => {
        if (request.method === "GET" && request.url?.split("?")[0] === "/metrics") {
          exporter.getMetricsRequestHandler(request, response);
          return;
        }
        response.writeHead(404, { "content-type": "text/plain" }).end("Not found: GET /metrics\n");
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once("error", reject);
        listening.listen(options.port ?? 9464, host, () => resolve());
      });
      const { port } = listening.address() as AddressInfo;
      return `http://${host.includes(":") ? `[${host}]` : host}:${port}/metrics`;
    },
    async close() {
      const listening = server;
      server = undefined;
      if (listening !== undefined) {
        listening.closeAllConnections();
        await new Promise<void>((resolve) => listening.close(() => resolve()));
      }
      await meterProvider.shutdown().catch(() => {});
    },
  };
}
