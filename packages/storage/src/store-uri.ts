import { resolve } from "node:path";
import { ConfigError } from "@credstack/errors";

/**
 * A parsed store URI: which backend and where. Opening it (a cipher, a client) is the caller's job — the
 * CLI, `@credstack/compat`'s `storeFromEnv`, a gateway — so this package stays free of drivers.
 */
export type StoreUri =
  | { readonly kind: "file"; readonly dir: string }
  | { readonly kind: "memory" }
  | {
      readonly kind: "postgres";
      /**
       * The connection string without credstack's own parameters (`table`, `schema`,
       * `preparedStatements`).
       */
      readonly connectionString: string;
      readonly table?: string;
      readonly schema?: string;
      /**
       * `?preparedStatements=false` turns off named prepared statements (for a pooler that does not keep
       * them per client, e.g. PgBouncer in transaction mode); absent means the store's default (on).
       */
      readonly preparedStatements?: boolean;
    }
  | {
      readonly kind: "redis";
      /** The Redis URL without credstack's own parameter (`prefix`). */
      readonly url: string;
      readonly prefix?: string;
    }
  | { readonly kind: "legacy"; readonly dir: string };

/**
 * A store URI that cannot be parsed: code `ERR_INVALID_CONFIG`. The message never contains a password.
 * @deprecated The same class as `ConfigError` from `@credstack/errors`; use that name.
 */
export const StoreUriError = ConfigError;
/** @deprecated Use `ConfigError` from `@credstack/errors`. */
export type StoreUriError = ConfigError;

/** Options of {@link parseStoreUri}. */
export interface ParseStoreUriOptions {
  /** Relative `file:` and `legacy:` paths are resolved against it. @default process.cwd() */
  readonly cwd?: string;
}

const schemes = "file:, memory:, postgres://, redis://, rediss:// or legacy:";

/** A URI safe to print, log or write in a checkpoint: any password is replaced by `***`. */
export function redactStoreUri(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*:)[^@/]*@/i, "$1***@");
}

function pathOf(text: string, scheme: string, cwd: string): string {
  let rest = text.slice(scheme.length);
  if (rest.startsWith("//")) {
    // file:///abs/path (RFC 8089) and file://./rel are both accepted.
    rest = rest.slice(2);
    if (!rest.startsWith("/") && !rest.startsWith(".")) {
      throw new StoreUriError(
        `Store URI ${scheme}//… must name a path (${scheme}./dir or ${scheme}///abs/dir).`,
      );
    }
  }
  if (rest === "")
    throw new StoreUriError(`Store URI "${scheme}" needs a directory, e.g. ${scheme}./credentials.`);
  if (rest.includes("\0")) throw new StoreUriError("A store directory cannot contain NUL.");
  return resolve(cwd, rest);
}

/** Removes the given query parameters from a URL; returns the URL without them and their values. */
function takeParams(text: string, names: readonly string[]): { url: string; params: Map<string, string> } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreUriError(`Store URI is not a valid URL: ${redactStoreUri(text)}`);
  }
  const params = new Map<string, string>();
  for (const name of names) {
    const value = url.searchParams.get(name);
    if (value !== null) params.set(name, value);
    url.searchParams.delete(name);
  }
  return { url: url.toString(), params };
}

/**
 * Parses a store URI: `file:./dir`, `memory:`, `postgres://…[?table=…&schema=…&preparedStatements=false]`,
 * `redis://…[?prefix=…]` (or `rediss://`) and `legacy:./credentials` (the legacy directory, read-only).
 * Table and schema names are checked against what `@credstack/storage-postgres` accepts, Redis prefixes
 * against what `@credstack/storage-redis` accepts.
 * @throws StoreUriError (`ERR_INVALID_CONFIG`) naming what is wrong, never a password.
 *
 * @example
 * ```ts
 * parseStoreUri("postgres://app@db/creds?table=tokens"); // { kind: "postgres", connectionString, table }
 * ```
 */
export function parseStoreUri(text: string, options: ParseStoreUriOptions = {}): StoreUri {
  const cwd = options.cwd ?? process.cwd();
  const trimmed = text.trim();
  if (trimmed === "") throw new StoreUriError(`Empty store URI; use ${schemes}.`);
  const lower = trimmed.toLowerCase();
  if (lower.startsWith("file:")) return { kind: "file", dir: pathOf(trimmed, "file:", cwd) };
  if (lower.startsWith("legacy:")) return { kind: "legacy", dir: pathOf(trimmed, "legacy:", cwd) };
  if (lower === "memory:" || lower === "memory://") return { kind: "memory" };
  if (lower.startsWith("postgres://") || lower.startsWith("postgresql://")) {
    const { url, params } = takeParams(trimmed, ["table", "schema", "preparedStatements"]);
    if (new URL(url).hostname === "")
      throw new StoreUriError(`Store URI ${redactStoreUri(trimmed)} has no host.`);
    const table = params.get("table");
    const schema = params.get("schema");
    if (table !== undefined && !/^[a-z_][a-z0-9_]{0,47}$/.test(table)) {
      throw new StoreUriError(
        `table=${JSON.stringify(table)} must match [a-z_][a-z0-9_]*, at most 48 characters.`,
      );
    }
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new StoreUriError(
        `schema=${JSON.stringify(schema)} must match [a-z_][a-z0-9_]*, at most 63 characters.`,
      );
    }
    const prepared = params.get("preparedStatements");
    if (prepared !== undefined && prepared !== "true" && prepared !== "false") {
      throw new StoreUriError(`preparedStatements=${JSON.stringify(prepared)} must be true or false.`);
    }
    return {
      kind: "postgres",
      connectionString: url,
      ...(table === undefined ? {} : { table }),
      ...(schema === undefined ? {} : { schema }),
      ...(prepared === undefined ? {} : { preparedStatements: prepared === "true" }),
    };
  }
  if (lower.startsWith("redis://") || lower.startsWith("rediss://")) {
    const { url, params } = takeParams(trimmed, ["prefix"]);
    if (new URL(url).hostname === "")
      throw new StoreUriError(`Store URI ${redactStoreUri(trimmed)} has no host.`);
    const prefix = params.get("prefix");
    if (prefix !== undefined && (prefix === "" || /[{}\s\p{Cc}]/u.test(prefix))) {
      throw new StoreUriError(
        "prefix= must be non-empty, without braces, white space or control characters.",
      );
    }
    return { kind: "redis", url, ...(prefix === undefined ? {} : { prefix }) };
  }
  throw new StoreUriError(`Unknown store URI ${JSON.stringify(redactStoreUri(trimmed))}; use ${schemes}.`);
}

/** A short, password-free description of a parsed store URI, for logs and summaries. */
export function describeStoreUri(uri: StoreUri): string {
  switch (uri.kind) {
    case "file":
      return `file:${uri.dir}`;
    case "legacy":
      return `legacy:${uri.dir}`;
    case "memory":
      return "memory:";
    case "postgres": {
      const extra = [
        uri.schema && `schema=${uri.schema}`,
        uri.table && `table=${uri.table}`,
        uri.preparedStatements === false && "preparedStatements=false",
      ].filter(Boolean);
      return `${redactStoreUri(uri.connectionString)}${extra.length > 0 ? ` (${extra.join(", ")})` : ""}`;
    }
    case "redis":
      return `${redactStoreUri(uri.url)}${uri.prefix === undefined ? "" : ` (prefix=${uri.prefix})`}`;
  }
}
