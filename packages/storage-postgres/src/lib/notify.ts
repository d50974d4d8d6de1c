import { createHash } from "node:crypto";
import type { CredentialKey, StopWatching, StoreChange } from "@credstack/storage";
import pg from "pg";
import type { TableNames } from "./identifiers.js";

/**
 * Accounts longer than this many bytes are announced without their key (a `NOTIFY` payload holds at
 * most 8000 bytes): listeners then drop every cached record, which is correct, only coarser.
 */
const maxAnnouncedAccountBytes = 4000;

/** The `LISTEN` channel of a table: `credstack_` + a hash of `schema.table` (channels are identifiers). @internal */
export function channelOf(names: TableNames): string {
  return `credstack_${createHash("sha256").update(`${names.schema}.${names.table}`).digest("hex").slice(0, 32)}`;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/**
 * The statements of schema version 2: a row trigger on the records table that announces every insert,
 * update and delete on {@link channelOf | the table's channel} when its transaction commits, whoever
 * wrote it (this package, `putMany`, a migration, another version's writer). Payload: JSON
 * `{"p": provider, "a": base64(account_key) | null, "v": version | null}`.
 * @internal
 */
export function notifyStatements(names: TableNames): readonly string[] {
  const fn = `${names.schemaSql}.${quote(`${names.table}_notify`)}`;
  const channel = channelOf(names);
  return [
    `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $fn$
      DECLARE
        row_provider text;
        row_key bytea;
        row_version bigint;
      BEGIN
        IF TG_OP = 'DELETE' THEN
          row_provider := OLD.provider; row_key := OLD.account_key; row_version := NULL;
        ELSE
          row_provider := NEW.provider; row_key := NEW.account_key; row_version := NEW.version;
        END IF;
        PERFORM pg_notify('${channel}', json_build_object(
          'p', row_provider,
          'a', CASE WHEN octet_length(row_key) <= ${maxAnnouncedAccountBytes}
                    THEN encode(row_key, 'base64') END,
          'v', row_version)::text);
        IF TG_OP = 'UPDATE' AND (OLD.provider, OLD.account_key) IS DISTINCT FROM (NEW.provider, NEW.account_key) THEN
          PERFORM pg_notify('${channel}', json_build_object('p', OLD.provider, 'a', NULL, 'v', NULL)::text);
        END IF;
        RETURN NULL;
      END
    $fn$`,
    `CREATE TRIGGER ${quote(`${names.table}_notify`)} AFTER INSERT OR UPDATE OR DELETE ON ${names.records}
      FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
  ];
}

/** Reads one notification payload; anything unexpected becomes "anything may have changed". */
function changeOf(payload: string | undefined): StoreChange {
  try {
    const value = JSON.parse(payload ?? "") as { p?: unknown; a?: unknown; v?: unknown };
    if (typeof value.p !== "string" || typeof value.a !== "string") return {};
    const key: CredentialKey = {
      provider: value.p,
      account: Buffer.from(value.a, "base64").toString("utf8"),
    };
    return typeof value.v === "number" && Number.isSafeInteger(value.v) ? { key, version: value.v } : { key };
  } catch {
    return {};
  }
}

/**
 * Listens on the table's channel over a connection of its own (outside the pool, same settings), and
 * reconnects with backoff when it drops. Every gap — a lost connection, a reconnection — is reported as
 * a change without a key, since notifications sent meanwhile are gone. Resolves once listening, or
 * after the first attempt failed (it keeps trying in the background).
 * @internal
 */
export async function listenForChanges(
  pool: pg.Pool,
  names: TableNames,
  listener: (change: StoreChange) => void,
): Promise<StopWatching> {
  const channel = channelOf(names);
  let stopped = false;
  let client: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let delay = 250;
  const report = (change: StoreChange) => {
    try {
      listener(change);
    } catch {
      // A listener's failure must not stop the notifications.
    }
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ ...pool.options, application_name: "credstack-watch" });
    const lost = () => {
      if (client !== next) return;
      client = undefined;
      next.removeAllListeners("notification");
      next.end().catch(() => {});
      if (stopped) return;
      report({});
      schedule();
    };
    next.on("error", lost);
    next.on("end", lost);
    next.on("notification", (message) => {
      if (message.channel === channel) report(changeOf(message.payload));
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${quote(channel)}`);
    } catch (error) {
      lost();
      throw error;
    }
    if (stopped) {
      await next.end().catch(() => {});
      return;
    }
    delay = 250;
    report({}); // anything written before LISTEN took effect was not announced to us
  };

  const schedule = () => {
    if (stopped || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      connect().catch(() => {});
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 5000);
  };

  await connect().catch(() => {});
  return async () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    const current = client;
    client = undefined;
    await current?.end().catch(() => {});
  };
}
