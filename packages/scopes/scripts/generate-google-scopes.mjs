#!/usr/bin/env node
// Regenerates src/data/google.generated.ts: every Google OAuth scope published in Google's API discovery
// documents, with its description and the APIs that accept it.
//
// Source: the `@maxim_mazurok/gapi.client.<api>-<version>` packages on the npm registry, generated from the
// discovery documents (their readme lists each API's OAuth scopes with the discovery description; their
// index.d.ts names the discovery URL). The exact package versions are pinned in google-sources.json.
//
//   node packages/scopes/scripts/generate-google-scopes.mjs                 # regenerate from the pins
//   node packages/scopes/scripts/generate-google-scopes.mjs --update-pins   # re-pin every package to latest
//
// Only node built-ins; talks to the npm registry only (npm_config_registry, default registry.npmjs.org).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const pinsPath = join(here, "google-sources.json");
const outPath = join(here, "..", "src", "data", "google.generated.ts");
const registry = (process.env.npm_config_registry ?? "https://registry.npmjs.org/").replace(/\/?$/, "/");
const concurrency = 12;

async function getJson(url) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url).catch((error) => ({ ok: false, status: String(error) }));
    if (response.ok) return await response.json();
    if (attempt >= 4) throw new Error(`GET ${url}: ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

async function getBuffer(url) {
  for (let attempt = 1; ; attempt++) {
    const response = await fetch(url).catch((error) => ({ ok: false, status: String(error) }));
    if (response.ok) return Buffer.from(await response.arrayBuffer());
    if (attempt >= 4) throw new Error(`GET ${url}: ${response.status}`);
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}

const metadataUrl = (name, version = "") =>
  `${registry}${name.replace("/", "%2F")}${version ? `/${version}` : ""}`;

/** Minimal ustar reader: returns the named files' contents. */
function readTar(tar, wanted) {
  const files = new Map();
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start, length) =>
      header
        .subarray(start, start + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const name = (field(345, 155) ? `${field(345, 155)}/` : "") + field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || "0", 8);
    const body = offset + 512;
    if (wanted.has(name)) files.set(name, tar.subarray(body, body + size).toString("utf8"));
    offset = body + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** Scopes and their descriptions from the readme's `scope = [ // description \n 'url', ... ]` block. */
function parseReadme(readme) {
  const block = readme.match(/scope = \[([\s\S]*?)\]/);
  if (!block) return [];
  const scopes = [];
  let description = "";
  for (const raw of block[1].split("\n")) {
    const line = raw.trim();
    if (line.startsWith("//")) description = line.slice(2).trim();
    const url = line.match(/^'([^']+)',?$/);
    if (url) {
      scopes.push({ scope: url[1], description });
      description = "";
    }
  }
  return scopes;
}

function apiOf(name, dts) {
  const discovery = dts.match(/Generated from: \S*\/apis\/([^/\s]+)\/([^/\s]+)\/rest/);
  if (discovery) return `${discovery[1]}:${discovery[2]}`;
  const match = name.match(/gapi\.client\.(.+)-([^-]+)$/);
  return match ? `${match[1]}:${match[2]}` : name;
}

async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await fn(items[index], index);
      }
    }),
  );
  return results;
}

const pins = JSON.parse(readFileSync(pinsPath, "utf8"));

if (process.argv.includes("--update-pins")) {
  const names = Object.keys(pins.packages);
  const latest = await mapLimit(
    names,
    concurrency,
    async (name) => (await getJson(metadataUrl(name)))["dist-tags"].latest,
  );
  pins.packages = Object.fromEntries(names.map((name, index) => [name, latest[index]]).sort());
  writeFileSync(pinsPath, `${JSON.stringify(pins, null, 2)}\n`);
  console.log(`pinned ${names.length} packages to their latest versions`);
  process.exit(0);
}

// Only versioned API packages (`gapi.client.drive-v3`); unversioned names (`gapi.client.drive`) are stale
// 2022 duplicates.
const entries = Object.entries(pins.packages).filter(([name]) =>
  name.split("gapi.client.")[1]?.includes("-"),
);
let done = 0;
const perPackage = await mapLimit(entries, concurrency, async ([name, version]) => {
  const meta = await getJson(metadataUrl(name, version));
  const tar = gunzipSync(await getBuffer(meta.dist.tarball));
  const files = readTar(tar, new Set(["package/readme.md", "package/README.md", "package/index.d.ts"]));
  const readme = files.get("package/readme.md") ?? files.get("package/README.md") ?? "";
  const dts = (files.get("package/index.d.ts") ?? "").slice(0, 4000);
  const revision = Number(dts.match(/Revision: (\d+)/)?.[1] ?? 0);
  done++;
  if (done % 50 === 0) console.error(`  ${done}/${entries.length} packages read`);
  return { api: apiOf(name, dts), revision, scopes: parseReadme(readme) };
});

// Merge: one entry per scope; apis = every API version that lists it; description = the most common one
// (ties: the one from the newest discovery revision).
const merged = new Map();
for (const { api, revision, scopes } of perPackage) {
  for (const { scope, description } of scopes) {
    let entry = merged.get(scope);
    if (!entry) {
      entry = { apis: new Set(), descriptions: new Map() };
      merged.set(scope, entry);
    }
    entry.apis.add(api);
    if (description) {
      const seen = entry.descriptions.get(description) ?? { count: 0, revision: 0 };
      entry.descriptions.set(description, {
        count: seen.count + 1,
        revision: Math.max(seen.revision, revision),
      });
    }
  }
}
// The OpenID Connect scopes Google accepts besides the URL scopes (Google's OpenID Connect documentation).
const openid = {
  openid: "Associate you with your personal info on Google",
  email: "See your primary Google Account email address",
  profile: "See your personal info, including any personal info you've made publicly available",
};
for (const [scope, description] of Object.entries(openid)) {
  if (!merged.has(scope))
    merged.set(scope, {
      apis: new Set(["oauth2:v2"]),
      descriptions: new Map([[description, { count: 1, revision: 0 }]]),
    });
}

const catalog = [...merged.entries()]
  .map(([scope, { apis, descriptions }]) => {
    const best = [...descriptions.entries()].sort(
      (a, b) => b[1].count - a[1].count || b[1].revision - a[1].revision || (a[0] < b[0] ? -1 : 1),
    )[0];
    return { scope, description: best?.[0] ?? "", apis: [...apis].sort() };
  })
  .sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));

const withScopes = perPackage.filter((entry) => entry.scopes.length > 0).length;
const lines = [
  "// GENERATED FILE — do not edit. Regenerate with: node packages/scopes/scripts/generate-google-scopes.mjs",
  `// Source: ${entries.length} pinned @maxim_mazurok/gapi.client.* packages (${withScopes} with OAuth scopes), generated from Google's API discovery documents; ${catalog.length} scopes.`,
  'import type { CatalogSource, ScopeCatalogEntry } from "./types.js";',
  "",
  "/** Every Google OAuth scope published in Google's API discovery documents, sorted by scope. */",
  "export const googleCatalog: readonly ScopeCatalogEntry[] = [",
  ...catalog.map(
    (entry) =>
      `  ${JSON.stringify(entry)
        .replace(/^\{"scope":/, "{ scope: ")
        .replace(/,"description":/, ", description: ")
        .replace(/,"apis":/, ", apis: ")
        .replace(/\}$/, " }")},`,
  ),
  "];",
  "",
  "/** Where {@link googleCatalog} comes from. */",
  "export const googleCatalogSource: CatalogSource = {",
  `  name: ${JSON.stringify(`Google API discovery documents (${entries.length} API versions, ${catalog.length} scopes)`)},`,
  '  reference: "npm: @maxim_mazurok/gapi.client.* at the versions pinned in packages/scopes/scripts/google-sources.json",',
  '  kind: "generated",',
  "};",
  "",
];
writeFileSync(outPath, lines.join("\n"));
console.log(
  `wrote ${catalog.length} Google scopes from ${entries.length} packages (${withScopes} with scopes) to ${outPath}`,
);
