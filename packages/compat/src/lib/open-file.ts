import { createHmac, timingSafeEqual } from "node:crypto";
import { LegacyFileCorruptError, LegacyFileIntegrityError, LegacyKeyNotFoundError } from "../errors.js";
import { decodeBase64Url, type FernetResult, fernetDecrypt, fernetKeyFromText } from "./fernet.js";
import { perUserFernetKey, type ResolvedLegacyKeys, recipientId } from "./legacy-keys.js";
import { pythonJsonDumps } from "./python-json.js";

/** How a legacy file was stored. */
export type LegacyEncoding = "plaintext" | "fernet" | "envelope-server" | "envelope-per-user";

/** A legacy file's JSON, once decrypted. @internal */
export interface OpenedFile {
  readonly encoding: LegacyEncoding;
  readonly json: unknown;
  /** The recipient ids of a per-user envelope (HMAC-verified). */
  readonly recipientIds?: readonly string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseJson(file: string, text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new LegacyFileCorruptError(file, `${what} is not JSON (truncated?)`, { cause });
  }
}

/** Opens one Fernet token with the first key that authenticates it. */
function openFernet(file: string, keys: readonly Buffer[], token: string, what: string): Buffer {
  let last: FernetResult | undefined;
  for (const key of keys) {
    last = fernetDecrypt(key, token);
    if (last.ok) return last.plaintext;
    if (last.failure === "malformed") break;
  }
  if (last !== undefined && !last.ok && last.failure === "malformed") {
    throw new LegacyFileCorruptError(file, `${what} is not a well-formed Fernet token (truncated?)`);
  }
  throw new LegacyFileIntegrityError(
    file,
    `${what} does not authenticate under any supplied key (tampered, or encrypted under another key)`,
  );
}

function verifyEnvelope(file: string, envelope: Record<string, unknown>, keys: ResolvedLegacyKeys): void {
  const stored = envelope.hmac;
  if (typeof stored !== "string" || stored.length === 0) {
    // The legacy reader accepted envelopes without an HMAC; that let anyone strip it. It is mandatory here.
    throw new LegacyFileIntegrityError(file, "v2 envelope without its mandatory hmac");
  }
  if (keys.serverSecret === undefined) {
    throw new LegacyKeyNotFoundError(file, "verifying a v2 envelope needs the legacy .auth_encryption_key");
  }
  const { hmac: _ignored, ...rest } = envelope;
  let canonical: string;
  try {
    canonical = pythonJsonDumps(rest);
  } catch (cause) {
    throw new LegacyFileIntegrityError(file, "v2 envelope holds values the legacy HMAC cannot cover", {
      cause,
    });
  }
  const expected = createHmac("sha256", keys.serverSecret).update(canonical, "utf8").digest();
  const given = /^[0-9a-f]{64}$/.test(stored) ? Buffer.from(stored, "hex") : Buffer.alloc(0);
  if (given.length !== 32 || !timingSafeEqual(given, expected)) {
    throw new LegacyFileIntegrityError(
      file,
      "v2 envelope HMAC does not verify (tampered, or another directory's .auth_encryption_key)",
    );
  }
}

const b64Field = (file: string, value: unknown, what: string): string => {
  const bytes = typeof value === "string" ? decodeBase64Url(value) : undefined;
  if (bytes === undefined) throw new LegacyFileCorruptError(file, `${what} is not base64url`);
  return bytes.toString("latin1");
};

function openEnvelope(file: string, envelope: Record<string, unknown>, keys: ResolvedLegacyKeys): OpenedFile {
  if (envelope.v !== 2) throw new LegacyFileCorruptError(file, "unknown envelope version");
  if (envelope.enc !== "server" && envelope.enc !== "per_user") {
    throw new LegacyFileCorruptError(file, "unknown envelope encryption type");
  }
  verifyEnvelope(file, envelope, keys);
  const data = b64Field(file, envelope.data, "envelope data");
  const recipients = envelope.recipients;
  if (recipients !== undefined && !isObject(recipients)) {
    throw new LegacyFileCorruptError(file, "envelope recipients must be an object");
  }
  let plaintext: Buffer;
  if (envelope.enc === "server") {
    if (keys.server.length === 0) {
      throw new LegacyKeyNotFoundError(
        file,
        "no server key (.auth_encryption_key or MCP_API_KEY) was supplied",
      );
    }
    const wrapped = b64Field(file, recipients?.server, "server recipient");
    const cek = fernetKeyFromText(
      openFernet(file, keys.server, wrapped, "the wrapped content key").toString("latin1"),
    );
    if (cek === undefined) throw new LegacyFileCorruptError(file, "the content key is not a Fernet key");
    plaintext = openFernet(file, [cek], data, "envelope data");
  } else {
    if (keys.serverSecret === undefined) {
      throw new LegacyKeyNotFoundError(file, "per-user envelopes need the legacy .auth_encryption_key");
    }
    const secret = keys.serverSecret;
    const match = keys.recipients.find((key) =>
      recipients === undefined ? true : typeof recipients[recipientId(key)] === "string",
    );
    if (match === undefined || keys.recipients.length === 0) {
      const count = recipients === undefined ? 1 : Object.keys(recipients).length;
      throw new LegacyKeyNotFoundError(
        file,
        `per-user envelope: none of the supplied user keys is among its ${count} recipient(s)`,
      );
    }
    if (recipients === undefined) {
      // Single-recipient envelopes encrypt the data directly under the user's derived key.
      plaintext = openFernet(
        file,
        keys.recipients.map((k) => perUserFernetKey(k, secret)),
        data,
        "envelope data",
      );
    } else {
      const wrapped = b64Field(file, recipients[recipientId(match)], "recipient entry");
      const cek = fernetKeyFromText(
        openFernet(file, [perUserFernetKey(match, secret)], wrapped, "the wrapped content key").toString(
          "latin1",
        ),
      );
      if (cek === undefined) throw new LegacyFileCorruptError(file, "the content key is not a Fernet key");
      plaintext = openFernet(file, [cek], data, "envelope data");
    }
  }
  return {
    encoding: envelope.enc === "server" ? "envelope-server" : "envelope-per-user",
    json: parseJson(file, plaintext.toString("utf8"), "the decrypted credential"),
    ...(envelope.enc === "per_user" && recipients !== undefined
      ? { recipientIds: Object.keys(recipients) }
      : {}),
  };
}

/**
 * Decrypts and parses one legacy file: `.json` is plaintext; `.enc` is a v2 JSON envelope or, if not JSON,
 * the old double-base64 Fernet blob (`base64url(Fernet token)`).
 * @throws LegacyFileCorruptError, LegacyFileIntegrityError, LegacyKeyNotFoundError — each naming `file`.
 * @internal
 */
export function openLegacyFile(file: string, bytes: Buffer, keys: ResolvedLegacyKeys): OpenedFile {
  const text = bytes.toString("utf8").trim();
  if (text.length === 0) throw new LegacyFileCorruptError(file, "empty file");
  if (file.endsWith(".json")) return { encoding: "plaintext", json: parseJson(file, text, "the file") };
  if (text.startsWith("{")) {
    const envelope = parseJson(file, text, "the envelope");
    if (!isObject(envelope)) throw new LegacyFileCorruptError(file, "the envelope is not a JSON object");
    return openEnvelope(file, envelope, keys);
  }
  const token = decodeBase64Url(text);
  if (token === undefined) throw new LegacyFileCorruptError(file, "neither a JSON envelope nor base64url");
  if (keys.server.length === 0) {
    throw new LegacyKeyNotFoundError(
      file,
      "no server key (.auth_encryption_key or MCP_API_KEY) was supplied",
    );
  }
  const plaintext = openFernet(file, keys.server, token.toString("latin1"), "the Fernet token");
  return {
    encoding: "fernet",
    json: parseJson(file, plaintext.toString("utf8"), "the decrypted credential"),
  };
}
