import { readFileSync } from "node:fs";

/** The version of `@credstack/cli`, from its package.json (next to `dist/`), for `credstack --version`. */
export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return manifest.version;
}
