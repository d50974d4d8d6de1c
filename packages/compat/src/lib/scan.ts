import { createHash } from "node:crypto";
import { lstat, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { isCredstackError } from "@credstack/errors";
import { type CredentialRecord, normalizeKey, parseRecord } from "@credstack/storage";
import { type LegacyLayout, readLegacyCredentials } from "../credential-format.js";
import { LegacyFileCorruptError, LegacyFileIntegrityError } from "../errors.js";
import { idTokenEmail, type LegacyEvidence, weighEvidence } from "./evidence.js";
import type { ResolvedLegacyKeys } from "./legacy-keys.js";
import { type LegacyEncoding, openLegacyFile } from "./open-file.js";

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
      /** What decided the account. */
      readonly evidence: LegacyEvidence;
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

/** A candidate with its bytes read (or the error reading them). */
interface Loaded extends Candidate {
  readonly bytes: Buffer | undefined;
  readonly mtimeMs: number;
  readonly error: unknown;
}

/** What twin detection keeps of a file once scanned: its slot and the digest of its content. */
interface Digested extends Candidate {
  readonly digest: string | undefined;
}

const digestOf = (bytes: Buffer | undefined) =>
  bytes === undefined ? undefined : createHash("sha256").update(bytes.toString("utf8").trim()).digest("hex");

async function load(candidate: Candidate): Promise<Loaded> {
  try {
    const info = await lstat(candidate.path);
    if (info.size > maxFileBytes) throw new LegacyFileCorruptError(candidate.file, "larger than 1 MiB");
    return { ...candidate, bytes: await readFile(candidate.path), mtimeMs: info.mtimeMs, error: undefined };
  } catch (error) {
    return { ...candidate, bytes: undefined, mtimeMs: 0, error };
  }
}

function mappedAccount(candidate: Candidate, settings: ScanSettings): string | undefined {
  const { mapping } = settings;
  if (Object.hasOwn(mapping, candidate.file)) return mapping[candidate.file];
  if (Object.hasOwn(mapping, candidate.safe)) return mapping[candidate.safe];
  return undefined;
}

function boundAccounts(
  recipientIds: readonly string[] | undefined,
  settings: ScanSettings,
): { bound: Set<string>; contested: boolean } {
  const bound = new Set<string>();
  let contested = false;
  for (const id of recipientIds ?? []) {
    const accounts = settings.keys.bindings.get(id) ?? new Set<string>();
    if (accounts.size > 1) contested = true;
    for (const account of accounts) bound.add(account);
  }
  return { bound, contested };
}

async function scanOne(candidate: Loaded, settings: ScanSettings): Promise<ScannedFile> {
  const { file, safe } = candidate;
  const provider =
    candidate.group === undefined ? settings.provider : settings.groupProvider(candidate.group);
  const mapped = mappedAccount(candidate, settings);
  const failed = (error: unknown): ScannedFile => ({
    file,
    status: "failed",
    error: asCoded(error),
    ...(mapped === undefined ? {} : { key: { provider, account: mapped } }),
  });
  try {
    if (candidate.bytes === undefined) throw candidate.error;
    const opened = openLegacyFile(file, candidate.bytes, settings.keys);
    let parsed: ReturnType<typeof readLegacyCredentials>;
    try {
      parsed = readLegacyCredentials(opened.json);
    } catch (cause) {
      throw new LegacyFileCorruptError(file, isCredstackError(cause) ? cause.message : "invalid", { cause });
    }
    const claimed = idTokenEmail(opened.json);
    const outcome = weighEvidence({
      safe,
      inner: [parsed.email, claimed].filter((email): email is string => email !== undefined),
      ...boundAccounts(opened.recipientIds, settings),
      mapped,
    });
    if (outcome.kind === "ambiguous") {
      return { file, status: "ambiguous", reason: outcome.reason, candidates: outcome.candidates };
    }
    if (outcome.kind === "conflict") {
      throw new LegacyFileIntegrityError(
        file,
        `swapped file? ${outcome.reason}; not imported under either account`,
      );
    }
    const at = Math.floor(candidate.mtimeMs);
    const record = parseRecord(
      { provider, account: outcome.account, ...parsed.fields, createdAt: at, updatedAt: at, version: 1 },
      { location: file },
    );
    normalizeKey(record);
    return {
      file,
      status: "ready",
      record,
      encoding: opened.encoding,
      layout: parsed.layout,
      evidence: outcome.evidence,
      kind: candidate.kind,
    };
  } catch (error) {
    return failed(error);
  }
}

/** The slot a file's name claims: group and lower-cased safe name. */
const slotOf = (c: Candidate) => `${c.group ?? ""}/${c.safe.toLowerCase()}`;

/**
 * Byte-identical files that claim different slots: one is a copy of the other, and unless strong
 * evidence (the credential's own identity or a recipient binding) tells which account the content
 * belongs to, neither can be trusted. Returns the files to refuse, each with its twin.
 */
function twinConflicts(files: readonly Digested[], scanned: readonly ScannedFile[]): Map<string, string> {
  const byContent = new Map<string, Digested[]>();
  for (const c of files) {
    if (c.digest !== undefined) byContent.set(c.digest, [...(byContent.get(c.digest) ?? []), c]);
  }
  const strong = new Set(
    scanned
      .filter(
        (s) => s.status === "ready" && (s.evidence === "credential" || s.evidence === "recipient-binding"),
      )
      .map((s) => s.file),
  );
  const refused = new Map<string, string>();
  for (const group of byContent.values()) {
    if (new Set(group.map(slotOf)).size < 2) continue;
    for (const c of group) {
      if (strong.has(c.file)) continue;
      const twin = group.find((other) => slotOf(other) !== slotOf(c)) as Digested;
      refused.set(c.file, twin.file);
    }
  }
  return refused;
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
  const digested: Digested[] = [];
  const opened: ScannedFile[] = [];
  for (const candidate of found) {
    const loaded = await load(candidate); // one file's bytes in memory at a time
    opened.push(await scanOne(loaded, settings));
    digested.push({ ...candidate, digest: digestOf(loaded.bytes) });
  }
  const twins = twinConflicts(digested, opened);
  const scanned = opened.map((entry): ScannedFile => {
    const twin = twins.get(entry.file);
    // A file that cannot be read keeps its own error (supply the key, and the evidence decides).
    if (twin === undefined || entry.status === "failed") return entry;
    return {
      file: entry.file,
      status: "failed",
      error: new LegacyFileIntegrityError(
        entry.file,
        `byte-identical to ${twin}, the file of another account or token group: a copy cannot be told from its original, so neither is imported`,
      ),
    };
  });
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
