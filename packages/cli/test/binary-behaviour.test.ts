import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { commandNames } from "../src/main.js";
import { baseEnv, createKmsKey, credstack, kmsEndpoint, tempDir } from "./cli-env.js";

const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

describe("the credstack binary behaves (subprocess)", () => {
  it("prints its version", async () => {
    const cwd = await tempDir();
    for (const flag of ["--version", "-V"]) {
      const result = await credstack([flag], { cwd });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout).toBe(`${manifest.version}\n`);
    }
  });

  it("answers --help for itself and every command without opening or writing anything", async () => {
    const cwd = await tempDir();
    const top = await credstack(["--help"], { cwd });
    expect(top.status).toBe(0);
    expect(top.stdout).toContain("credstack --version | --help");
    for (const command of commandNames) {
      expect(top.stdout, command).toContain(`  ${command} `);
      const result = await credstack([command, "--help"], { cwd });
      expect(result.status, `${command} --help: ${result.stderr}`).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage:\\s+credstack ${command}`));
      expect(result.stdout, command).toContain("--json");
    }
    expect(await readdir(cwd)).toEqual([]);
  });

  it("answers a mistyped command or option with a suggestion and the usage line (exit 2)", async () => {
    const cwd = await tempDir();
    const cases: [string[], string][] = [
      [["lsit"], "credstack: unknown command lsit (did you mean list?)\nUsage: credstack <command>"],
      [["--verison"], "credstack: unknown option --verison (did you mean --version?)\nUsage: credstack"],
      [
        ["list", "--jsno"],
        "credstack list: unknown option --jsno (did you mean --json?)\nUsage: credstack list ",
      ],
      [
        ["reencrypt", "--to-kye", "k"],
        "credstack reencrypt: unknown option --to-kye (did you mean --to-key-file?)\nUsage: credstack reencrypt",
      ],
      [["delete", "-x"], "credstack delete: unknown option -x\nUsage: credstack delete "],
      [["scopes", "resolv", "x"], 'credstack scopes: unknown scopes action "resolv" (did you mean resolve?)'],
    ];
    for (const [args, expected] of cases) {
      const result = await credstack(args, { cwd });
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(expected);
      // No raw parser message (it had an unbalanced quote and no usage).
      expect(result.stderr).not.toContain("To specify a positional argument");
    }
    expect(await readdir(cwd)).toEqual([]);
  });
});

describe("no runtime warning on a supported Node", () => {
  it("a KMS command prints no warning (the AWS SDK's Node 20 notice is off unless asked for)", async () => {
    const cwd = await tempDir();
    const keyId = await createKmsKey();
    const args = ["list", "--store", "file:./s", "--kms-key-id", keyId, "--kms-endpoint", kmsEndpoint()];
    const result = await credstack(args, { cwd });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/Warning/);
    if (Number(process.versions.node.split(".")[0]) < 22) {
      // The notice is only switched off, not lost: asking for it shows it.
      const env = { ...baseEnv(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "false" };
      const shown = await credstack(args, { cwd, env });
      expect(shown.stderr).toContain("NodeVersionSupportWarning");
    }
  });
});
