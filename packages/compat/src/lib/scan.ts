import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isCredstackError } from "@credstack/errors";
import { type CredentialRecord, normalizeKey, parseRecord } from "@credstack/storage";
import { type LegacyLayout, readLegacyCredentials } from "../credential-format.js";
import { LegacyFileCorruptError } from "../errors.js";
import type { ResolvedLegacyKeys } from "./legacy-keys.js";
import { type LegacyEncoding, openLegacyFile } from "./open-file.js";
import { candidatesOf, safeNameOf } from "./safe-name.js";

/** The kind of a legacy credential file, from its name. */
export type LegacyFileKind = "credentials.json" | "credentials.enc" | "backup.enc";

/**
 * One file of a legacy directory, as scanned: `ready` (its record), `skipped` (why), `ambiguous` (the
 * account could not be told from the file name; candidate emails) or `failed` (the typed error).
 * Published as `LegacyScannedFile`.
 */
export type ScannedFile =
  | {
      readonly file: string;
      readonly status: "ready";
      readonly record: CredentialRecord;
      readonly encoding: LegacyEncoding;
      readonly layout: LegacyLayout;
      readonly accountFrom: "file" | "mapping";
      readonly kind: LegacyFileKind;
    }
  | {
      readonly file: string;
      readonly status: "skipped";
      readonly reason: string;
      readonly key?: CredentialRecord;
    }
  | {
      readonly file: string;
      readonly status: "ambiguous";
      readonly reason: string;
      readonly candidates: readonly string[];
    }
  | {
      readonly file: string;
      readonly status: "failed";
      readonly error: Error & { readonly code: string };
      readonly key?: { readonly provider: string; readonly account: string };
    };

/** What the scan needs. @internal */
export interface ScanSettings {
  readonly dir: string;
  readonly keys: ResolvedLegacyKeys;
  readonly mapping: Readonly<Record<string, string>>;
  readonly provider: string;
  readonly groupProvider: (group: string) => string;
}

const credentialName = /^(.+)_(credentials\.json|credentials\.enc|backup\.enc)$/;
const groupName = /^[A-Za-z0-9_-]+$/;
const maxFileBytes = 1 << 20;

interface Candidate {
  readonly file: string;
  readonly path: string;
  readonly safe: string;
  readonly kind: LegacyFileKind;
  readonly group: string | undefined;
}

async function listDir(
  dir: string,
  prefix: string,
  group: string | undefined,
  found: Candidate[],
  other: ScannedFile[],
): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const file = prefix + entry.name;
    if (entry.name.startsWith(".")) continue; // .auth_encryption_key, .oauth_authentication.json, ...
    if (entry.isDirectory()) {
      if (group !== undefined || entry.name !== "token_groups") continue;
      for (const sub of (await readdir(join(dir, entry.name), { withFileTypes: true })).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        if (sub.isDirectory() && groupName.test(sub.name)) {
          await listDir(join(dir, entry.name, sub.name), `${file}/${sub.name}/`, sub.name, found, other);
        }
      }
      continue;
    }
    if (!entry.isFile()) {
      if (entry.isSymbolicLink())
        other.push({ file, status: "skipped", reason: "symbolic link, not followed" });
      continue;
    }
    const match = credentialName.exec(entry.name);
    if (match === null) {
      const reason = entry.name.endsWith("_chat_sa.enc")
        ? "a Chat service-account key, not an OAuth credential"
        : "not a legacy credential file";
      other.push({ file, status: "skipped", reason });
      continue;
    }
    found.push({
      file,
      path: join(dir, entry.name),
      safe: match[1] as string,
      kind: match[2] as LegacyFileKind,
      group,
    });
  }
}

const asCoded = (error: unknown): Error & { readonly code: string } => {
  if (isCredstackError(error)) return error;
  throw error;
};

async function scanOne(candidate: Candidate, settings: ScanSettings): Promise<ScannedFile> {
  const { file, safe } = candidate;
  const provider =
    candidate.group === undefined ? settings.provider : settings.groupProvider(candidate.group);
  const mapped = Object.hasOwn(settings.mapping, file)
    ? settings.mapping[file]
    : Object.hasOwn(settings.mapping, safe)
      ? settings.mapping[safe]
      : undefined;
  const failed = (error: unknown): ScannedFile => ({
    file,
    status: "failed",
    error: asCoded(error),
    ...(mapped === undefined ? {} : { key: { provider, account: mapped } }),
  });
  try {
    const info = await lstat(candidate.path);
    if (info.size > maxFileBytes) throw new LegacyFileCorruptError(file, "larger than 1 MiB");
    const opened = openLegacyFile(file, await readFile(candidate.path), settings.keys);
    let parsed: ReturnType<typeof readLegacyCredentials>;
    try {
      parsed = readLegacyCredentials(opened.json);
    } catch (cause) {
      throw new LegacyFileCorruptError(file, isCredstackError(cause) ? cause.message : "invalid", { cause });
    }
    let account = mapped;
    let accountFrom: "file" | "mapping" = "mapping";
    if (account === undefined) {
      if (parsed.email === undefined) {
        return {
          file,
          status: "ambiguous",
          reason: "the file carries no user_email and its name is lossy (@ → _at_, . → _); map it explicitly",
          candidates: candidatesOf(safe),
        };
      }
      if (safeNameOf(parsed.email) !== safe) {
        return {
          file,
          status: "ambiguous",
          reason: "the user_email inside does not match the file name; map it explicitly",
          candidates: [parsed.email],
        };
      }
      account = parsed.email;
      accountFrom = "file";
    }
    const at = Math.floor(info.mtimeMs);
    const record = parseRecord(
      { provider, account, ...parsed.fields, createdAt: at, updatedAt: at, version: 1 },
      { location: file },
    );
    normalizeKey(record);
    return {
      file,
      status: "ready",
      record,
      encoding: opened.encoding,
      layout: parsed.layout,
      accountFrom,
      kind: candidate.kind,
    };
  } catch (error) {
    return failed(error);
  }
}

const kindRank: Record<LegacyFileKind, number> = {
  "credentials.enc": 0,
  "credentials.json": 1,
  "backup.enc": 2,
};

/**
 * Scans a legacy directory: every file opened, parsed and given an account (or reported ambiguous or
 * failed). When several files hold the same key, the one whose access token expires last wins (it was
 * written last by a refresh); ties go to `credentials.enc`, then `credentials.json`, then `backup.enc`.
 * @internal
 */
export async function scanLegacyDirectory(settings: ScanSettings): Promise<ScannedFile[]> {
  const found: Candidate[] = [];
  const other: ScannedFile[] = [];
  await listDir(settings.dir, "", undefined, found, other);
  const scanned: ScannedFile[] = [];
  for (const candidate of found) scanned.push(await scanOne(candidate, settings));
  const winners = new Map<string, Extract<ScannedFile, { status: "ready" }>>();
  const id = (r: { provider: string; account: string }) => JSON.stringify(normalizeKey(r));
  for (const entry of scanned) {
    if (entry.status !== "ready") continue;
    const current = winners.get(id(entry.record));
    if (current === undefined || beats(entry, current)) winners.set(id(entry.record), entry);
  }
  const result = scanned.map((entry): ScannedFile => {
    if (entry.status !== "ready") return entry;
    const winner = winners.get(id(entry.record));
    return winner === entry
      ? entry
      : { file: entry.file, status: "skipped", reason: `superseded by ${winner?.file}`, key: entry.record };
  });
  return [...result, ...other].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function beats(
  a: Extract<ScannedFile, { status: "ready" }>,
  b: Extract<ScannedFile, { status: "ready" }>,
): boolean {
  const ea = a.record.expiresAt ?? -1;
  const eb = b.record.expiresAt ?? -1;
  if (ea !== eb) return ea > eb;
  return kindRank[a.kind] < kindRank[b.kind];
}
