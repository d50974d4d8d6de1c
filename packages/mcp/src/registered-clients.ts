import { randomUUID } from "node:crypto";
import { isCredstackError } from "@credstack/errors";
import type { CredentialStore } from "@credstack/storage";
import type { OAuthRegisteredClientsStore } from "@modelcontextprotocol/sdk/server/auth/clients.js";
import type { OAuthClientInformationFull } from "@modelcontextprotocol/sdk/shared/auth.js";
import { McpConfigError } from "./errors.js";
import { definedOnly, objectOf, writeSlot } from "./lib/slots.js";

/** The provider slug registrations are stored under; the account is the `client_id`. */
export const registeredClientSlot = "mcp-registered-client";

/** Options of {@link storeRegisteredClients}. */
export interface StoreRegisteredClientsOptions {
  /**
   * How long a registration lives, in ms. After it, `getClient` no longer finds it (the client must
   * register again) and a client secret expires with it. `0` keeps registrations forever.
   * @default 2592000000 (30 days)
   */
  readonly ttlMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly clock?: () => number;
}

/** The SDK's registered-clients store, plus housekeeping. */
export interface StoreRegisteredClients extends OAuthRegisteredClientsStore {
  registerClient(
    client: Omit<OAuthClientInformationFull, "client_id" | "client_id_issued_at">,
  ): Promise<OAuthClientInformationFull>;
  getClient(clientId: string): Promise<OAuthClientInformationFull | undefined>;
  /** Deletes expired registrations (streams the store's listing); returns how many were deleted. */
  deleteExpired(): Promise<number>;
}

/**
 * An `OAuthRegisteredClientsStore` (RFC 7591 dynamic client registration, for the SDK's
 * `mcpAuthRouter` / `clientRegistrationHandler`) backed by any credstack store. Each registration is one
 * record under {@link registeredClientSlot} with the `client_id` as account, the full client information
 * (client secret included) in sealed metadata, and `expiresAt` set to the registration's end.
 *
 * @example
 * ```ts
 * import type { CredentialStore } from "@credstack/storage";
 * declare const store: CredentialStore;
 * const clientsStore = storeRegisteredClients(store, { ttlMs: 7 * 24 * 3600_000 });
 * // then: mcpAuthRouter({ provider: { clientsStore, … }, issuerUrl })
 * ```
 */
export function storeRegisteredClients(
  store: CredentialStore,
  options: StoreRegisteredClientsOptions = {},
): StoreRegisteredClients {
  if (store === undefined || typeof store.get !== "function") {
    throw new McpConfigError("storeRegisteredClients: store must be a CredentialStore.");
  }
  const ttl = options.ttlMs ?? 30 * 24 * 3600_000;
  if (!Number.isFinite(ttl) || ttl < 0)
    throw new McpConfigError("storeRegisteredClients: ttlMs must be ≥ 0.");
  const clock = options.clock ?? Date.now;
  const keyOf = (clientId: string) => ({ provider: registeredClientSlot, account: clientId });

  return {
    async registerClient(client) {
      const now = clock();
      const given = client as Partial<OAuthClientInformationFull>;
      const clientId = typeof given.client_id === "string" ? given.client_id : randomUUID();
      const expiresAt = ttl === 0 ? undefined : now + ttl;
      const information: OAuthClientInformationFull = definedOnly({
        ...client,
        client_id: clientId,
        client_id_issued_at: given.client_id_issued_at ?? Math.floor(now / 1000),
        // A secret never outlives its registration.
        client_secret_expires_at:
          client.client_secret === undefined
            ? undefined
            : expiresAt === undefined
              ? client.client_secret_expires_at
              : Math.min(
                  Math.floor(expiresAt / 1000),
                  client.client_secret_expires_at || Number.POSITIVE_INFINITY,
                ),
      }) as OAuthClientInformationFull;
      await writeSlot(store, keyOf(clientId), (current) => {
        if (current !== undefined && (current.expiresAt === undefined || current.expiresAt > now)) {
          throw new McpConfigError(
            "storeRegisteredClients: a client with this client_id is already registered.",
          );
        }
        return definedOnly({
          clientId,
          expiresAt,
          scopes: (information.scope ?? "").split(" ").filter((scope) => scope.length > 0),
          metadata: { client: JSON.parse(JSON.stringify(information)) },
        });
      });
      return information;
    },

    async getClient(clientId) {
      if (typeof clientId !== "string" || clientId.length === 0 || clientId.length > 2048) return undefined;
      const record = await store.get(keyOf(clientId));
      if (record === undefined) return undefined;
      if (record.expiresAt !== undefined && record.expiresAt <= clock()) return undefined;
      return objectOf(record.metadata?.client) as OAuthClientInformationFull | undefined;
    },

    async deleteExpired() {
      const now = clock();
      let deleted = 0;
      for await (const key of store.list({ provider: registeredClientSlot })) {
        const record = await store.get(key);
        if (record?.expiresAt !== undefined && record.expiresAt <= now) {
          try {
            if (await store.delete(key, { expectedVersion: record.version })) deleted++;
          } catch (error) {
            // Re-registered concurrently: keep it.
            if (!isCredstackError(error) || error.code !== "ERR_VERSION_CONFLICT") throw error;
          }
        }
      }
      return deleted;
    },
  };
}
