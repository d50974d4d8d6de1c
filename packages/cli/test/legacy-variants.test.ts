import { execFileSync } from "node:child_process";
import { chmod, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { baseEnv, credstack, openFileStore, tempDir } from "./cli-env.js";

/** What packages/compat/scripts/make-legacy-fixtures.py writes beside the directory (the parts used here). */
interface Manifest {
  keys: {
    mcpApiKey: string;
    userKeysByAccount: Record<string, string>;
    oauthIdentities: { sub: string; password: string; account: string }[];
  };
  mapping: Record<string, string>;
  files: Record<
    string,
    { status: string; code?: string; account?: string; provider?: string; evidence?: string }
  >;
  expected: Record<string, { json: Record<string, unknown> }>;
}

const example = fileURLToPath(new URL("../../../examples/legacy-credentials", import.meta.url));
// The generator ships with @credstack/compat (its `scripts/`); it runs Python's `cryptography`.
const generator = join(
  dirname(createRequire(import.meta.url).resolve("@credstack/compat/package.json")),
  "scripts",
  "make-legacy-fixtures.py",
);
const secret = /ya29\.|1\/\/refresh|client-secret-/;

let cwd: string;
let m: Manifest;
let keyOptions: string[];
const env = () => ({ ...baseEnv(), LEGACY_MCP_API_KEY: m.keys.mcpApiKey });

beforeAll(async () => {
  cwd = await tempDir();
  execFileSync("python3", [generator, join(cwd, "credentials")], { stdio: "pipe" });
  m = JSON.parse(await readFile(join(cwd, "credentials.manifest.json"), "utf8")) as Manifest;
  await writeFile(join(cwd, "user-keys.json"), JSON.stringify(m.keys.userKeysByAccount), { mode: 0o600 });
  const identities = Object.fromEntries(
    m.keys.oauthIdentities.map(({ account, sub, password }) => [account, { sub, password }]),
  );
  await writeFile(join(cwd, "oauth.json"), JSON.stringify(identities), { mode: 0o600 });
  await writeFile(join(cwd, "mapping.json"), JSON.stringify(m.mapping));
  keyOptions = [
    "--user-keys",
    "user-keys.json",
    "--oauth-identities",
    "oauth.json",
    "--mapping",
    "mapping.json",
    "--mcp-api-key-env",
    "LEGACY_MCP_API_KEY",
  ];
});

interface ReportLine {
  file: string;
  status: string;
  code?: string;
  evidence?: string;
  key?: { provider: string; account: string };
}

function expectEveryFile(lines: readonly ReportLine[], imported: "imported" | "would-import"): void {
  expect(lines.map((f) => f.file).sort()).toEqual(Object.keys(m.files).sort());
  for (const line of lines) {
    const want = m.files[line.file];
    expect(line.status, line.file).toBe(want?.status === "imported" ? imported : want?.status);
    if (want?.code !== undefined) expect(line.code, line.file).toBe(want.code);
    if (want?.evidence !== undefined) expect(line.evidence, line.file).toBe(want.evidence);
    if (want?.account !== undefined) {
      expect(line.key?.provider, line.file).toBe(want.provider ?? "google");
      expect(line.key?.account.toLowerCase(), line.file).toBe(want.account);
    }
  }
}

describe("credstack import-legacy / migrate on every legacy writer's files and the hostile variants", () => {
  it("import-legacy: each file gets its expected result, with the evidence that decided; keys come from files", async () => {
    const result = await credstack(
      ["import-legacy", "credentials", "--to", "file:./store", "--json", ...keyOptions],
      {
        cwd,
        env: env(),
      },
    );
    expect(result.status, result.stderr).toBe(4); // the hostile files are left behind
    const report = JSON.parse(result.stdout) as { files: ReportLine[] };
    expectEveryFile(report.files, "imported");
    expect(result.stdout + result.stderr).not.toMatch(secret);
    for (const key of Object.values(m.keys.userKeysByAccount)) expect(result.stdout).not.toContain(key);
    // Lossless: the imported secrets are the ones in the legacy files.
    const store = await openFileStore(join(cwd, "store"));
    for (const [file, want] of Object.entries(m.files)) {
      if (want.status !== "imported") continue;
      const json = m.expected[file]?.json as Record<string, unknown>;
      const record = await store.get({
        provider: want.provider ?? "google",
        account: want.account as string,
      });
      const tokens = json.tokens as Record<string, unknown> | undefined;
      expect(record?.accessToken, file).toBe(json.token ?? json.access_token ?? tokens?.access);
      expect(record?.refreshToken, file).toBe(json.refresh_token ?? tokens?.refresh);
    }
    await store.close();
  });

  it("import-legacy without keys: per-user envelopes need them (ERR_KEY_NOT_FOUND), lossy names need the mapping", async () => {
    const result = await credstack(["import-legacy", "credentials", "--to", "file:./bare", "--json"], {
      cwd,
    });
    expect(result.status).toBe(4);
    const byFile = new Map(
      (JSON.parse(result.stdout) as { files: ReportLine[] }).files.map((f) => [f.file, f]),
    );
    expect(byFile.get("grace_at_example_com_credentials.enc")).toMatchObject({ code: "ERR_KEY_NOT_FOUND" });
    expect(byFile.get("judy_at_example_com_credentials.enc")).toMatchObject({ code: "ERR_KEY_NOT_FOUND" });
    expect(byFile.get("paul_at_example_com_backup.enc")).toMatchObject({ code: "ERR_KEY_NOT_FOUND" });
    expect(byFile.get("x_y_at_example_com_credentials.enc")?.status).toBe("ambiguous");
    // The legacy server's own records open password-less OAuth recipients.
    expect(byFile.get("olga_at_example_com_credentials.enc")?.status).toBe("imported");
  });

  it("import-legacy --dry-run into a store that does not exist reports and creates nothing", async () => {
    const dir = await tempDir();
    const clean = await credstack(["import-legacy", example, "--dry-run", "--to", "file:./new-store"], {
      cwd: dir,
    });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toContain("dry run");
    expect(clean.stdout).toMatch(/would-import\s+alice_at_example_com_credentials\.json/);
    const full = await credstack(
      [
        "import-legacy",
        join(cwd, "credentials"),
        "--dry-run",
        "--json",
        ...keyOptions.map((o) => (o.endsWith(".json") ? join(cwd, o) : o)),
      ],
      { cwd: dir, env: env() },
    );
    expect(full.status).toBe(4); // the hostile files would be left behind
    expectEveryFile((JSON.parse(full.stdout) as { files: ReportLine[] }).files, "would-import");
    expect(await readdir(dir)).toEqual([]);
  });

  it("migrate --from legacy: reports every file it did not copy and exits 4 when credential files were left behind", async () => {
    const result = await credstack(
      ["migrate", "--from", "legacy:./credentials", "--to", "file:./migrated", "--json", ...keyOptions],
      { cwd, env: env() },
    );
    expect(result.status, result.stderr).toBe(4);
    const summary = JSON.parse(result.stdout) as {
      copied: number;
      notCopied: ReportLine[];
      leftBehind: number;
    };
    const importable = Object.values(m.files).filter((f) => f.status === "imported").length;
    expect(summary.copied).toBe(importable);
    const notCopied = Object.entries(m.files).filter(([, f]) => f.status !== "imported");
    expect(summary.notCopied.map((f) => f.file).sort()).toEqual(notCopied.map(([file]) => file).sort());
    for (const line of summary.notCopied) {
      expect(line.status, line.file).toBe(m.files[line.file]?.status);
      expect(line.code, line.file).toBe(m.files[line.file]?.code);
      expect(result.stderr).toContain(`not copied: ${line.status}  ${line.file}`);
    }
    expect(summary.leftBehind).toBe(notCopied.filter(([, f]) => f.status === "failed").length);
    expect(result.stdout + result.stderr).not.toMatch(secret);
  });

  it("migrate --from legacy: exits 0 when every credential file was copied; legacy options need a legacy source", async () => {
    const dir = await tempDir();
    const clean = await credstack(["migrate", "--from", `legacy:${example}`, "--to", "file:./out"], {
      cwd: dir,
    });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/credential files left behind\s+0/);
    const misuse = await credstack(
      ["migrate", "--from", "file:./out", "--to", "memory:", "--user-keys", "k.json"],
      {
        cwd: dir,
      },
    );
    expect(misuse.status).toBe(2);
  });

  it("refuses unreadable key files without echoing their content, and warns about loose permissions", async () => {
    await writeFile(join(cwd, "bad-keys.json"), "not json ya29.secret", { mode: 0o644 });
    await chmod(join(cwd, "bad-keys.json"), 0o644);
    const result = await credstack(
      ["import-legacy", "credentials", "--dry-run", "--user-keys", "bad-keys.json"],
      { cwd },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/readable by other users/);
    expect(result.stderr).not.toContain("ya29.secret");
  });
});
