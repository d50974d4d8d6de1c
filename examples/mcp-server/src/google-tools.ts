import type { Resolver } from "@credstack/core";
import { createGoogleServices, type GoogleServices, googleService } from "@credstack/google";
import { withGoogleService } from "@credstack/google/mcp";
import { drive } from "@googleapis/drive";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";

/** Where the Drive tool sends its requests. */
export interface DriveToolOptions {
  /** The Google API root. @default "https://www.googleapis.com/" */
  readonly rootUrl?: string;
}

const apis = { drive };
type Apis = typeof apis;

// The server builds a new McpServer per request: the clients live with the resolver, not the McpServer.
const servicesByResolver = new WeakMap<Resolver, Map<string, GoogleServices<Apis>>>();

function servicesFor(resolver: Resolver, provider: string, options: DriveToolOptions): GoogleServices<Apis> {
  let byProvider = servicesByResolver.get(resolver);
  if (byProvider === undefined) {
    byProvider = new Map();
    servicesByResolver.set(resolver, byProvider);
  }
  let services = byProvider.get(provider);
  if (services === undefined) {
    services = createGoogleServices({
      resolver,
      apis,
      provider,
      ...(options.rootUrl === undefined ? {} : { clientOptions: { rootUrl: options.rootUrl } }),
    });
    byProvider.set(provider, services);
  }
  return services;
}

/** Drive, read-only: the legacy `drive_read` name resolves to `drive.readonly` when the tool is defined. */
const driveRead = googleService("drive", "v3", { scopes: ["drive_read"] });

/**
 * Registers `list_drive_files`: the caller's Drive files, through a ready `@googleapis/drive` client.
 * No `user_google_email` argument and no token in sight — the caller is whoever the verified bearer token
 * says; without Drive access the tool answers with the authorization URL asking only for `drive.readonly`.
 */
export function registerDriveTool(
  server: McpServer,
  resolver: Resolver,
  provider: string,
  options: DriveToolOptions = {},
): void {
  server.registerTool(
    "list_drive_files",
    {
      description: "Lists your Google Drive files (name and id).",
      inputSchema: { pageSize: z.number().int().min(1).max(100).optional() },
    },
    withGoogleService(servicesFor(resolver, provider, options), driveRead, async ({ service, args }) => {
      const { data } = await service.files.list({ pageSize: args.pageSize ?? 10, fields: "files(id,name)" });
      const files = (data.files ?? []).map((file) => ({ id: file.id ?? "", name: file.name ?? "" }));
      return {
        content: [{ type: "text", text: files.map((file) => file.name).join("\n") || "No files." }],
        structuredContent: { files },
      };
    }),
  );
}
