import { describeStoreUri } from "@credstack/storage";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { cipherFlagsOf } from "../lib/cipher-options.js";
import { parseCommandArgs } from "../lib/command-args.js";
import {
  checkKeys,
  checkPermissions,
  checkPlaintext,
  checkRecords,
  checkTempFiles,
  type Finding,
} from "../lib/doctor-checks.js";
import { openStore } from "../lib/open-store.js";
import { storeOptionSpec, storeUriOf } from "../lib/store-command.js";
import { parseStoreUri } from "../lib/store-uri.js";

/** Help text of `credstack doctor`. */
export const doctorUsage = `Usage: credstack doctor [store] [--store URI] [--fix] [--json] [cipher options]

Checks a store and prints each finding with a fix: permissions (0700 directory, 0600 files), key
presence and strength, backend connectivity, records under a rotated-out key, records sealed in the
previous format, plaintext leftovers, temporary files of crashed writers, expired credentials without a
refresh token. --fix removes the temporary files of writers that are gone (never a live writer's).
Exit 0: healthy; 4: problems found.`;

const options = {
  ...storeOptionSpec,
  fix: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
} as const;

/**
 * `credstack doctor [store]`.
 * @returns the exit code: 0 healthy, 4 problems found.
 */
export async function runDoctor(argv: readonly string[], io: CommandIO): Promise<number> {
  const parsed = parseCommandArgs(argv, options, doctorUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`doctor takes at most one store.\n${doctorUsage}`);
  const uri = parseStoreUri(storeUriOf(values, positionals[0]));
  const flags = cipherFlagsOf(values);
  const findings: Finding[] = [];
  const dir = uri.kind === "file" ? uri.dir : undefined;
  let exists = true;
  if (uri.kind === "file" || uri.kind === "legacy") {
    const permissions = await checkPermissions(uri.dir);
    exists = !permissions.some((finding) => finding.check === "store-missing");
    findings.push(...permissions);
    findings.push(...(await checkPlaintext(uri.dir)));
    if (uri.kind === "file" && exists) findings.push(...(await checkTempFiles(uri.dir, values.fix)));
  }
  if (exists) findings.push(...(await checkKeys(dir, flags)));
  if (exists && !findings.some((finding) => finding.check === "key" && uri.kind === "file")) {
    try {
      const opened = await openStore(uri, { flags });
      try {
        findings.push(...(await checkRecords(opened)));
      } finally {
        await opened.store.close().catch(() => {});
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      const code = (error as { code?: string }).code ?? "error";
      findings.push({
        severity: "problem",
        check: "connectivity",
        message: `Cannot read ${describeStoreUri(uri)}: ${code}: ${(error as Error).message}`,
        fix:
          code === "ERR_INVALID_CONFIG"
            ? "Fix the configuration named in the message (permissions, key)."
            : "Check that the backend is up and reachable with these credentials (host, port, password, TLS).",
      });
    }
  }
  const problems = findings.filter((finding) => finding.severity === "problem").length;
  if (values.json)
    io.out(JSON.stringify({ store: describeStoreUri(uri), healthy: problems === 0, findings }, null, 2));
  else {
    io.out(`doctor ${describeStoreUri(uri)}`);
    for (const finding of findings) {
      io.out(`[${finding.severity}] ${finding.check}: ${finding.message}`);
      if (finding.fix !== "-") io.out(`    fix: ${finding.fix}`);
    }
    io.out(problems === 0 ? "healthy" : `${problems} problem(s) found`);
  }
  return problems === 0 ? exitCodes.ok : exitCodes.problems;
}
