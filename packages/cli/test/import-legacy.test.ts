import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadOrCreateKeyFile } from "@credstack/storage";
import { describe, expect, it } from "vitest";
import { credstack, openFileStore, pgStore, tempDir } from "./cli-env.js";

const example = fileURLToPath(new URL("../../../examples/legacy-credentials", import.meta.url));
const exampleTokens = /example-(access|refresh)-\w+-not-a-real-token|example-client-secret/;

describe("credstack import-legacy", () => {
  it("imports the bundled example into the default store, idempotently, without touching the legacy files", async () => {
    const cwd = await tempDir();
    const before = await readdir(example);
    const first = await credstack(["import-legacy", example], { cwd });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain("imported 3, skipped 1, ambiguous 0, failed 0");
    expect(first.stdout).toMatch(
      /imported\s+bob_smith_at_example_com_credentials\.json\s+google \/ Bob\.Smith@Example\.com/,
    );
    const second = await credstack(["import-legacy", example, "--to", "file:.credstack"], { cwd });
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain("imported 0, skipped 4");
    expect(await readdir(example)).toEqual(before);
    const list = await credstack(["list"], { cwd });
    expect(list.stdout).toMatch(/google\s+alice@example\.com\s+2035-01-01T00:00:00\.000Z\s+yes\s+3\s+1/);
    for (const result of [first, second, list])
      expect(result.stdout + result.stderr).not.toMatch(exampleTokens);
    // The secrets made it, sealed: the store opens them; the files on disk do not show them.
    const store = await openFileStore(join(cwd, ".credstack"));
    expect((await store.get({ provider: "google", account: "carol@example.com" }))?.accessToken).toBe(
      "ya29.example-access-carol-not-a-real-token",
    );
    for (const name of await readdir(join(cwd, ".credstack"))) {
      expect(await readFile(join(cwd, ".credstack", name), "utf8")).not.toMatch(exampleTokens);
    }
    await store.close();
  });

  it("uses a --mapping file, supports --dry-run and a postgres target, and reports ambiguous files (exit 4)", async () => {
    const cwd = await tempDir();
    const legacy = join(cwd, "credentials");
    await cp(example, legacy, { recursive: true });
    const alice = JSON.parse(await readFile(join(legacy, "alice_at_example_com_credentials.json"), "utf8"));
    delete alice.user_email;
    await writeFile(join(legacy, "x_y_at_example_com_credentials.json"), JSON.stringify(alice));
    const key = join(cwd, "k.key");
    await loadOrCreateKeyFile(key);
    const pg = pgStore("legacy");

    const dry = await credstack(
      ["import-legacy", "./credentials", "--to", pg, "--key-file", key, "--dry-run"],
      { cwd },
    );
    expect(dry.stdout).toContain("dry run");
    expect(dry.stdout).toMatch(/would-import/);
    const ambiguous = await credstack(["import-legacy", "./credentials", "--to", pg, "--key-file", key], {
      cwd,
    });
    expect(ambiguous.status).toBe(4);
    expect(ambiguous.stdout).toMatch(/ambiguous\s+x_y_at_example_com_credentials\.json/);

    await writeFile(join(cwd, "mapping.json"), JSON.stringify({ x_y_at_example_com: "x.y@example.com" }));
    const mapped = await credstack(
      [
        "import-legacy",
        "./credentials",
        "--to",
        pg,
        "--key-file",
        key,
        "--mapping",
        "mapping.json",
        "--json",
      ],
      { cwd },
    );
    expect(mapped.status, mapped.stderr).toBe(0);
    expect(JSON.parse(mapped.stdout)).toMatchObject({ imported: 1, ambiguous: 0, failed: 0 });
    const view = await credstack(["inspect", "google", "x.y@example.com", "--store", pg, "--key-file", key], {
      cwd,
    });
    expect(view.status, view.stderr).toBe(0);

    const badMapping = await credstack(["import-legacy", "./credentials", "--mapping", "nope.json"], { cwd });
    expect(badMapping.status).toBe(2);
  });

  it("reads legacy: URIs as a read-only migrate source", async () => {
    const cwd = await tempDir();
    const result = await credstack(
      ["migrate", "--from", `legacy:${example}`, "--to", "file:./out", "--verify"],
      { cwd },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/copied\s+3/);
    expect(result.stdout).toMatch(/verified\s+3/);
    const list = await credstack(["list", "--store", "file:./out", "--json"], { cwd });
    expect(list.stdout.trim().split("\n")).toHaveLength(3);
  });
});
