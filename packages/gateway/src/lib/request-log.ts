import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/** Which requests get a `request completed` log line. */
export type RequestLog = "failures" | "all";

/**
 * Fastify's request lines for the gateway: `"all"` keeps Fastify's two lines per request (`incoming
 * request`, `request completed`); `"failures"` writes one `request completed` line (request, status,
 * time) for answers of status 400 and above, and none for successful ones, which the audit trail already
 * records (`token_served`, ...). Errors Fastify logs itself are unchanged. @internal
 */
export function requestLogController(mode: RequestLog): LogController {
  if (mode === "all") return new LogController();
  return new (class extends LogController {
    override incomingRequest(): void {}
    override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply) {
      if (error === null || error === undefined) {
        if (reply.statusCode < 400) return;
        reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, "request completed");
        return;
      }
      super.requestCompleted(error, request, reply);
    }
  })();
}
