import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

// The suite's teeth: it runs (in a Vitest subprocess) against deliberately flawed stores — the worked
// store of docs/storage.md with one classic bug each — and each must fail where that bug shows. The
// same store without flaws must pass everything, so the failures are the flaws' doing.

interface Outcome {
  readonly passed: string[];
  readonly failed: string[];
}

const fixtures = join(import.meta.dirname, "fixtures");
const outcomes = new Map<string, Outcome>();

beforeAll(async () => {
  const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
  const out = await mkdtemp(join(tmpdir(), "credstack-teeth-"));
  const report = join(out, "report.json");
  try {
    await new Promise<void>((resolve) => {
      execFile(
        process.execPath,
        [
          vitest,
          "run",
          "--config",
          join(fixtures, "vitest.config.ts"),
          "--reporter=json",
          `--outputFile=${report}`,
        ],
        { cwd: fixtures, timeout: 240_000, env: { ...process.env, NO_COLOR: "1" } },
        () => resolve(), // failing is the point; the report says how
      );
    });
    const json = JSON.parse(await readFile(report, "utf8")) as {
      testResults: { name: string; assertionResults: { title: string; status: string }[] }[];
    };
    for (const file of json.testResults) {
      outcomes.set(basename(file.name, ".suite.ts"), {
        passed: file.assertionResults.filter((r) => r.status === "passed").map((r) => r.title),
        failed: file.assertionResults.filter((r) => r.status === "failed").map((r) => r.title),
      });
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 300_000);

const outcomeOf = (name: string): Outcome => {
  const outcome = outcomes.get(name);
  if (outcome === undefined) throw new Error(`no report for ${name}.suite.ts`);
  return outcome;
};

describe("storeConformance catches the classic bugs", () => {
  it("passes the flawless store: every test, none failed", () => {
    const { passed, failed } = outcomeOf("honest");
    expect(failed).toEqual([]);
    expect(passed.length).toBeGreaterThan(25);
  });

  it("passes a second store written from the contract alone (compare-and-set under a per-key lock)", () => {
    const { passed, failed } = outcomeOf("locking");
    expect(failed).toEqual([]);
    expect(passed).toEqual(outcomeOf("honest").passed);
  });

  it("fails a check-then-await-then-write compare-and-set (naive CAS)", () => {
    expect(outcomeOf("naive-cas").failed).toEqual(
      expect.arrayContaining([
        "loses no update with 20 concurrent writers and a cipher that yields to the event loop",
        "loses no update with 20 concurrent writers and a cipher with random delays",
        "lets exactly one of two racing creates win when sealing waits",
      ]),
    );
  });

  it("fails a listing out of compareKeys order", () => {
    expect(outcomeOf("unsorted-list").failed).toContain("lists 1000 keys completely, in order, resumably");
  });

  it("fails a listing of keys as spelled instead of in normal form", () => {
    expect(outcomeOf("spelled-keys").failed).toEqual(
      expect.arrayContaining([
        "lists 1000 keys completely, in order, resumably",
        "never lets two accounts share a slot or escape their namespace",
      ]),
    );
  });

  it("fails a store that swallows backend errors", () => {
    expect(outcomeOf("swallowed-errors").failed).toContain(
      "surfaces backend failures as ERR_STORE_UNAVAILABLE and leaves the old record whole",
    );
  });
});
