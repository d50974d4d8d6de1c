import { isCredstackError } from "@credstack/errors";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { issuesOf } from "./schemas.js";

/** An answer other than 2xx, with a stable `error` code. @internal */
export class HttpFailure extends Error {
  readonly status: number;
  readonly error: string;
  readonly issues: readonly string[] | undefined;
  constructor(status: number, error: string, message: string, issues?: readonly string[]) {
    super(message);
    this.status = status;
    this.error = error;
    this.issues = issues;
  }
}

/** Parses `value` with `schema`, or fails with 400 `invalid_request` listing the issues. @internal */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, what = "body"): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    throw new HttpFailure(400, "invalid_request", `The request ${what} is invalid.`, issuesOf(result.error));
  }
  return result.data;
}

const byStatus: Record<number, string> = {
  400: "invalid_request",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/** Maps every error to a JSON answer that never carries a secret or a stack. @internal */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (error instanceof HttpFailure) {
    reply.code(error.status).send({
      error: error.error,
      message: error.message,
      ...(error.issues === undefined ? {} : { issues: [...error.issues] }),
    });
    return;
  }
  if (isCredstackError(error)) {
    const code = error.code;
    if (code === "ERR_UNKNOWN_SCOPE" || code === "ERR_INVALID_ARGUMENT" || code === "ERR_INVALID_RECORD") {
      reply.code(400).send({
        error: code === "ERR_UNKNOWN_SCOPE" ? "unknown_scope" : "invalid_request",
        message: error.message,
      });
      return;
    }
    if (code === "ERR_REFRESH_FAILED") {
      reply.code(503).send({ error: "refresh_failed", message: error.message });
      return;
    }
    if (
      code === "ERR_STORE_UNAVAILABLE" ||
      code === "ERR_LEASE_UNAVAILABLE" ||
      code === "ERR_CIPHER_UNAVAILABLE"
    ) {
      request.log.error({ code }, "store unavailable");
      reply.code(503).send({ error: "store_unavailable", message: "The credential store is unavailable." });
      return;
    }
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 429) reply.header("retry-after", reply.getHeader("retry-after") ?? "60");
    reply
      .code(status)
      .send({ error: byStatus[status] ?? "invalid_request", message: error.message.slice(0, 200) });
    return;
  }
  request.log.error({ code: (error as { code?: unknown }).code, name: error.name }, "request failed");
  reply.code(500).send({ error: "internal_error", message: "The gateway failed; see its logs." });
}
