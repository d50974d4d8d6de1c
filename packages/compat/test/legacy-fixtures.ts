import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** What scripts/make-legacy-fixtures.py wrote beside the directory. */
export interface LegacyManifest {
  readonly keys: {
    readonly serverKey: string;
    readonly mcpApiKey: string;
    readonly userKeysByAccount: Record<string, string>;
    readonly oauthIdentities: { sub: string; password: string; account: string }[];
    readonly linkedKey: string;
    readonly ivanKey: string;
  };
  readonly mapping: Record<string, string>;
  /** Every file and what the import must report for it with {@link allKeys} and `mapping`. */
  readonly files: Record<
    string,
    {
      status: "imported" | "skipped" | "failed";
      code?: string;
      account?: string;
      provider?: string;
      evidence?: string;
      encoding?: string;
      layout?: string;
    }
  >;
  readonly expected: Record<
    string,
    {
      account: string;
      provider?: string;
      layout: string;
      encoding: string;
      evidence: string;
      json: Record<string, unknown>;
    }
  >;
  readonly failures: Record<string, string>;
  readonly ambiguousWithoutMapping: string[];
  readonly superseded: Record<string, string>;
  readonly notCredentials: string[];
}

const script = fileURLToPath(new URL("../scripts/make-legacy-fixtures.py", import.meta.url));

/**
 * Runs the fixture script (Python + the real `cryptography` library) into a fresh temp directory. Fails
 * loudly, never skips, when python3 or cryptography is missing.
 */
export function makeLegacyFixtures(): {
  root: string;
  dir: string;
  manifest: LegacyManifest;
  cleanup(): void;
} {
  try {
    execFileSync("python3", ["-c", "import cryptography.fernet"], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      "The compat tests need python3 with the `cryptography` package (pip install cryptography) to generate " +
        "legacy fixtures with the reference Fernet implementation.",
      { cause: error },
    );
  }
  const root = mkdtempSync(join(tmpdir(), "credstack-legacy-"));
  const dir = join(root, "credentials");
  execFileSync("python3", [script, dir], { stdio: "pipe" });
  const manifest = JSON.parse(readFileSync(`${dir}.manifest.json`, "utf8")) as LegacyManifest;
  return { root, dir, manifest, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** The keys option that opens every readable fixture. */
export const allKeys = (m: LegacyManifest) => ({
  mcpApiKey: m.keys.mcpApiKey,
  userKeysByAccount: m.keys.userKeysByAccount,
  oauthIdentities: m.keys.oauthIdentities,
});
