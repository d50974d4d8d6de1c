import { isDeepStrictEqual } from "node:util";
import type { SwaggerOptions } from "@fastify/swagger";
import { jsonSchemaTransform, jsonSchemaTransformObject } from "fastify-type-provider-zod";
import type { z } from "zod";
import { errorResponse } from "./schemas.js";

/** The `security` of a route that needs an API key. @internal */
export const apiKeySecurity = [{ apiKey: [] }];

/** A documented JSON answer: `schema` (zod) with `description`. @internal */
export function json(schema: z.ZodType, description: string) {
  return { description, content: { "application/json": { schema } } };
}

/** The error answers every API-key route documents (the `{ error, message }` shape). @internal */
export const errorResponses = {
  400: json(errorResponse, "The request is malformed (invalid_request, unknown_scope)."),
  401: json(
    errorResponse,
    "Missing or wrong API key (invalid_api_key); delegated keys: missing or invalid user token (subject_token_required, invalid_subject_token).",
  ),
  403: json(errorResponse, "Outside the API key's grant (access_denied, account_not_allowed)."),
  404: json(errorResponse, "Unknown provider or session."),
  429: json(
    errorResponse,
    "Rate limit of this API key, or of failed authentications from this address, exceeded (rate_limited; Retry-After); too_many_pending_authorizations.",
  ),
  503: json(errorResponse, "The store or the provider's token endpoint is unavailable."),
};

const refPrefix = "#/components/schemas/";

/** The component names `value` references. */
function refsOf(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
}

/** The components the paths reference, directly or through other components. */
function reachable(paths: unknown, schemas: Record<string, unknown>): Set<string> {
  const kept = new Set<string>();
  const pending = refsOf(paths);
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (kept.has(id)) continue;
    kept.add(id);
    pending.push(...refsOf(schemas[id]));
  }
  return kept;
}

/**
 * fastify-type-provider-zod documents each registered schema twice (`X` as answered, `XInput` as
 * accepted). One component per schema: `X`, which is the accepted form when the schema is only accepted
 * (a non-strict form body), and otherwise both forms must be the same; only the components the paths
 * reference (the global zod registry may hold other packages' schemas).
 */
function oneComponentPerSchema(document: Record<string, unknown>): Record<string, unknown> {
  const components = document.components as { schemas?: Record<string, unknown> } | undefined;
  const all = components?.schemas ?? {};
  const used = reachable(document.paths, all);
  const inputs = [...used].filter((id) => id.endsWith("Input") && Object.hasOwn(all, id.slice(0, -5)));
  let text = JSON.stringify(document);
  for (const id of inputs) text = text.replaceAll(`"${refPrefix}${id}"`, `"${refPrefix}${id.slice(0, -5)}"`);
  const merged = JSON.parse(text) as Record<string, unknown> & {
    components: { schemas: Record<string, unknown> };
  };
  const schemas = merged.components.schemas;
  for (const id of inputs) {
    const base = id.slice(0, -5);
    if (!used.has(base)) schemas[base] = schemas[id];
    else if (!isDeepStrictEqual(schemas[id], schemas[base])) {
      throw new Error(`The OpenAPI schema ${base} differs as input and as output.`);
    }
  }
  const kept = reachable(merged.paths, schemas);
  merged.components.schemas = Object.fromEntries(Object.entries(schemas).filter(([id]) => kept.has(id)));
  return merged;
}

/**
 * `@fastify/swagger`'s options: the OpenAPI 3.1 document generated from the routes' zod schemas (through
 * fastify-type-provider-zod). @internal
 */
export function swaggerOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "credstack gateway",
        version,
        description:
          "Authorizes users with OAuth providers, stores and refreshes their credentials, and hands valid access tokens to services holding an API key.",
      },
      components: {
        securitySchemes: { apiKey: { type: "apiKey", in: "header", name: "x-api-key" } },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (document) =>
      oneComponentPerSchema(jsonSchemaTransformObject(document) as Record<string, unknown>) as ReturnType<
        typeof jsonSchemaTransformObject
      >,
  };
}
