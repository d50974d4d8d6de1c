import { createHash } from "node:crypto";
import type { CredentialKey } from "@credstack/storage";
import {
  type FaultProxy,
  storeConformance,
  type TamperField,
  tcpFaultProxy,
} from "@credstack/storage-test-suite";
import { afterAll, beforeAll } from "vitest";
import { postgresStore } from "../src/index.js";
import { adminPool, dropSchema, freshSchema, pgUrl } from "./pg-env.js";

// Every namespace is its own table in one schema of this run.
const schema = freshSchema("conformance");
const admin = adminPool();
// The stores under test reach the server through a proxy that the failure tests cut.
let proxy: FaultProxy;
let proxiedUrl: string;
beforeAll(async () => {
  const url = new URL(pgUrl());
  proxy = await tcpFaultProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  proxiedUrl = url.href;
});
afterAll(async () => {
  await proxy?.close();
  await dropSchema(admin, schema);
  await admin.end();
});

const tableOf = (namespace: string): string =>
  /^[a-z_][a-z0-9_]{0,47}$/.test(namespace)
    ? namespace
    : `ns_${createHash("sha256").update(namespace).digest("hex").slice(0, 24)}`;
const qualified = (namespace: string, suffix = ""): string => `"${schema}"."${tableOf(namespace)}${suffix}"`;
const keyValues = (key: CredentialKey): unknown[] => [
  key.provider,
  Buffer.from(key.account.normalize("NFC").trim().toLowerCase(), "utf8"),
];

/** The row column of each tampered field; metadata has none (it is sealed). */
const columnOf: Record<TamperField, string | undefined> = {
  account: "account",
  tokenType: "token_type",
  expiresAt: "expires_at",
  scopes: "scopes",
  issuer: "issuer",
  clientId: "client_id",
  metadata: undefined,
  version: "version",
  createdAt: "created_at",
  updatedAt: "updated_at",
};

/** Every column of every row of a table, as bytes. */
async function tableBytes(table: string): Promise<Buffer[]> {
  const { rows } = await admin.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
  return rows.flatMap((row) =>
    Object.values(row).map((value) =>
      Buffer.isBuffer(value) ? value : Buffer.from(value === null ? "" : JSON.stringify(value), "utf8"),
    ),
  );
}

storeConformance(
  "postgresStore",
  {
    async open({ namespace, cipher }) {
      if (cipher === undefined) throw new Error("postgresStore always seals: the suite must pass a cipher");
      return postgresStore({
        connectionString: proxiedUrl,
        cipher,
        schema,
        table: tableOf(namespace),
        maxConnections: 20,
      });
    },
    async destroy(namespace) {
      for (const suffix of ["", "_leases", "_migrations"]) {
        await admin.query(`DROP TABLE IF EXISTS ${qualified(namespace, suffix)}`);
      }
    },
    raw: {
      async dump(namespace) {
        return Buffer.concat([
          ...(await tableBytes(qualified(namespace))),
          ...(await tableBytes(qualified(namespace, "_leases"))),
        ]);
      },
      async readSealed(namespace, key) {
        const { rows } = await admin.query<{ sealed: Buffer }>(
          `SELECT sealed FROM ${qualified(namespace)} WHERE provider = $1 AND account_key = $2`,
          keyValues(key),
        );
        if (rows[0] === undefined) throw new Error("no such record");
        return rows[0].sealed;
      },
      async writeSealed(namespace, key, sealed) {
        const result = await admin.query(
          `UPDATE ${qualified(namespace)} SET sealed = $3 WHERE provider = $1 AND account_key = $2`,
          [...keyValues(key), Buffer.from(sealed)],
        );
        if (result.rowCount !== 1) throw new Error("no such record");
      },
      async writeColumn(namespace, key, field, value) {
        const column = columnOf[field];
        if (column === undefined) return false;
        const stored = field === "account" ? Buffer.from(String(value), "utf8") : (value ?? null);
        const result = await admin.query(
          `UPDATE ${qualified(namespace)} SET ${column} = $3 WHERE provider = $1 AND account_key = $2`,
          [...keyValues(key), stored],
        );
        if (result.rowCount !== 1) throw new Error("no such record");
        return true;
      },
    },
    failures: {
      fail: async () => proxy.fail(),
      restore: async () => proxy.restore(),
    },
  },
  { encrypted: true },
);
