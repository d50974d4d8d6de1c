import { randomBytes } from "node:crypto";
import { aesGcmCipher, type Cipher, generateKey } from "@credstack/storage";
import pg from "pg";
import { inject } from "vitest";
import "./global-setup.js";

/** The test server's connection string (see global-setup.ts). */
export const pgUrl = (): string => inject("pgUrl");

/** A pool on the test server, for setup and raw checks. */
export const adminPool = (max = 3): pg.Pool => {
  const pool = new pg.Pool({ connectionString: pgUrl(), max, application_name: "credstack-test-admin" });
  pool.on("error", () => {});
  return pool;
};

/** A schema name no other test file or run uses. */
export const freshSchema = (label: string): string => `cs_${label}_${randomBytes(4).toString("hex")}`;

/** An AES-256-GCM cipher from a fresh key. */
export const testCipher = (): Cipher => aesGcmCipher({ keyRing: { active: generateKey() } });

/** Drops a test schema and everything in it. */
export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}
