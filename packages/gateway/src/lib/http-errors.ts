import { type CredstackError, hasCode, isCredstackError } from "@credstack/errors";
import fastJsonStringify from "fast-json-stringify";
import type {
  FastifyError,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  FastifySerializerCompiler,
} from "fastify";
import { hasZodFastifySchemaValidationErrors, validatorCompiler } from "fastify-type-provider-zod";
import { z } from "zod";

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

/**
 * Validates a route's input with its zod schema (fastify-type-provider-zod); an absent body is `{}`, so
 * the issues name the missing fields. @internal
 */
export const requestValidator: FastifySchemaCompiler<z.ZodType> = (route) => {
  const validate = validatorCompiler(route);
  return (data) => validate(data ?? {});
};

/**
 * Serializes 2xx answers with fast-json-stringify, compiled once per route from the JSON Schema of its
 * zod schema (output form, descriptions and component ids dropped). Only the declared fields are written
 * (an unexpected field, e.g. a refresh token, is never sent) and a missing required field throws (a bug:
 * 500). The answers are built by the routes from checked values, so zod's encode pass (the former
 * serializer, several µs per answer) is not repeated; other answers are built by the error handler or
 * checked by the route, in the documented shapes. @internal
 */
export const answerSerializer: FastifySerializerCompiler<z.ZodType> = (route) => {
  if (route.httpStatus?.startsWith("2") !== true) return (data) => JSON.stringify(data);
  const { $schema: _, ...schema } = z.toJSONSchema(route.schema, {
    io: "output",
    target: "draft-7",
    metadata: z.registry(),
    unrepresentable: "any",
  }) as Record<string, unknown>;
  return fastJsonStringify(schema);
};

/** A request that fails its route's schema: 400 `invalid_request` listing the issues (never the values). */
function invalidRequest(error: FastifyError): HttpFailure {
  const where = error.validationContext === "params" ? "path" : (error.validationContext ?? "body");
  const issues = (error.validation ?? []).slice(0, 10).map((issue) => {
    const path = issue.instancePath.split("/").filter(Boolean).join(".");
    return `${path === "" ? "body" : path}: ${issue.message}`;
  });
  return new HttpFailure(400, "invalid_request", `The request ${where} is invalid.`, issues);
}

/** Fastify's own 4xx errors, answered with fixed messages (theirs may echo the URL, a header or the body). */
const byStatus: Record<number, readonly [string, string]> = {
  400: ["invalid_request", "The request is malformed."],
  404: ["not_found", "No such endpoint."],
  405: ["method_not_allowed", "Method not allowed."],
  406: ["invalid_request", "Not acceptable."],
  408: ["invalid_request", "Request timeout."],
  411: ["invalid_request", "Length required."],
  413: ["payload_too_large", "The request body is too large."],
  414: ["invalid_request", "The URL is too long."],
  415: ["unsupported_media_type", "Unsupported content type."],
  429: ["rate_limited", "Rate limit exceeded."],
  431: ["invalid_request", "The request headers are too large."],
};

/** Store errors meaning one record cannot be read (tampered, corrupt, sealed under a missing key). @internal */
export function isUnreadable(error: unknown): error is CredstackError {
  return hasCode(error, "ERR_INTEGRITY", "ERR_CORRUPT_RECORD", "ERR_KEY_NOT_FOUND");
}

/** Store errors meaning the store (or its cipher, or the lease) is down. @internal */
export function isStoreDown(error: unknown): error is CredstackError {
  return hasCode(error, "ERR_STORE_UNAVAILABLE", "ERR_LEASE_UNAVAILABLE", "ERR_CIPHER_UNAVAILABLE");
}

/**
 * Fastify's `clientErrorHandler` (requests Node's HTTP parser refuses: an over-long URL or headers, a
 * malformed request line): the documented shape and headers, written on the socket, never echoing it.
 * @internal
 */
export function clientErrorHandler(
  error: Error & { code?: string },
  socket: import("node:net").Socket,
): void {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const [status, reason, code, message] =
    error.code === "HPE_HEADER_OVERFLOW"
      ? [
          431,
          "Request Header Fields Too Large",
          "invalid_request",
          "The request URL or headers are too large.",
        ]
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? [408, "Request Timeout", "invalid_request", "Request timeout."]
        : [400, "Bad Request", "invalid_request", "The request is malformed."];
  const body = JSON.stringify({ error: code, message });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * Fastify's `frameworkErrors` (a URL it cannot decode, ...): the documented `{ error, message }` shape,
 * never the request's URL. @internal
 */
export function frameworkErrorHandler(
  _error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  reply
    .code(400)
    .header("x-content-type-options", "nosniff")
    .header("cache-control", "no-store")
    .send({ error: "invalid_request", message: "The request URL is malformed." });
}

/** Maps every error to a JSON answer that never carries a secret or a stack. @internal */
export function errorHandler(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  if (hasZodFastifySchemaValidationErrors(error)) error = invalidRequest(error as FastifyError);
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
    if (hasCode(error, "ERR_UNKNOWN_SCOPE", "ERR_INVALID_ARGUMENT", "ERR_INVALID_RECORD")) {
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
    if (isStoreDown(error)) {
      request.log.error({ code }, "store unavailable");
      reply.code(503).send({ error: "store_unavailable", message: "The credential store is unavailable." });
      return;
    }
  }
  const status = (error as FastifyError).statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    if (status === 429) reply.header("retry-after", reply.getHeader("retry-after") ?? "60");
    const [code, message] = byStatus[status] ?? ["invalid_request", "The request is invalid."];
    reply.code(status).send({ error: code, message });
    return;
  }
  request.log.error({ code: (error as { code?: unknown }).code, name: error.name }, "request failed");
  reply.code(500).send({ error: "internal_error", message: "The gateway failed; see its logs." });
}
