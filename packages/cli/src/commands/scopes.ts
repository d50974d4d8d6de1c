import {
  defaultScopeRegistry,
  type ProviderId,
  providers,
  type ScopeInfo,
  type ScopeRegistry,
} from "@credstack/scopes";
import { type CommandIO, exitCodes, UsageError } from "../io.js";
import { parseCommandArgs, suggestionOf, usageLineOf } from "../lib/command-args.js";

/** Help text of `credstack scopes`. */
export const scopesUsage = `Usage:
  credstack scopes resolve <name...> [--provider google] [--json]
  credstack scopes explain <name> [--provider google] [--json]
  credstack scopes list [--provider google] [--service drive] [--json]

Names may be full scope URLs, short forms (drive.file), named scopes (drive.readonly), groups
(gmail_basic, oauth_comprehensive) or legacy names (drive_read). Unknown names exit with code 3.`;

const options = {
  provider: { type: "string", default: "google" },
  service: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

function registryFor(provider: string): ScopeRegistry {
  if (!(provider in providers)) {
    throw new UsageError(`Unknown provider "${provider}". Known: ${Object.keys(providers).join(", ")}.`);
  }
  return defaultScopeRegistry(provider as ProviderId);
}

function describeLine(info: ScopeInfo): string {
  const flags = [info.retired ? "retired" : "", info.published ? "" : "legacy-only"].filter(Boolean);
  const suffix = flags.length > 0 ? ` [${flags.join(", ")}]` : "";
  return `${info.scope}${suffix}\n    ${info.description}${info.apis.length > 0 ? `\n    apis: ${info.apis.join(", ")}` : ""}`;
}

/**
 * `credstack scopes <resolve|explain|list>`.
 * @returns the exit code.
 */
export function runScopes(argv: readonly string[], io: CommandIO): number {
  const parsed = parseCommandArgs(argv, options, scopesUsage, io);
  if (parsed === undefined) return exitCodes.ok;
  const { values, positionals } = parsed;
  const [action, ...names] = positionals;
  if (action === undefined) {
    io.out(scopesUsage);
    return exitCodes.usage;
  }
  const registry = registryFor(values.provider);

  switch (action) {
    case "resolve": {
      if (names.length === 0) throw new UsageError("scopes resolve needs at least one name.");
      const deprecated: string[] = [];
      const scopes = registry.resolve(names, {
        onDeprecated: (usage) => deprecated.push(`${usage.name} -> ${usage.replacement}`),
      });
      for (const line of deprecated) io.err(`deprecated legacy name: ${line}`);
      if (values.json) io.out(JSON.stringify({ provider: registry.provider, scopes }, null, 2));
      else for (const scope of scopes) io.out(scope);
      return exitCodes.ok;
    }
    case "explain": {
      if (names.length !== 1) throw new UsageError("scopes explain takes exactly one name.");
      const explanation = registry.explain(names[0] as string);
      if (values.json) {
        io.out(JSON.stringify(explanation, null, 2));
        return exitCodes.ok;
      }
      io.out(`${explanation.name} (${explanation.provider})`);
      for (const interpretation of explanation.interpretations) {
        const origin = interpretation.userDefined ? "user-defined group" : interpretation.kind;
        const target = interpretation.target.length > 0 ? ` -> ${interpretation.target.join(", ")}` : "";
        const note = interpretation.effective ? "" : " (shadowed by the interpretation above)";
        io.out(`  ${origin}${target}${note}`);
      }
      io.out("resolves to:");
      for (const info of explanation.scopes) {
        io.out(`  ${describeLine(info).replaceAll("\n", "\n  ")}`);
        if (info.names.length > 0) io.out(`      names: ${info.names.join(", ")}`);
        if (info.groups.length > 0) io.out(`      in groups: ${info.groups.join(", ")}`);
      }
      return exitCodes.ok;
    }
    case "list": {
      if (names.length > 0) throw new UsageError("scopes list takes no names; use --service to filter.");
      const infos =
        values.service === undefined ? registry.list() : registry.list({ service: values.service });
      if (values.json) io.out(JSON.stringify(infos, null, 2));
      else {
        for (const info of infos) io.out(describeLine(info));
        io.err(
          `${infos.length} ${registry.definition.title} scopes (${registry.definition.catalogSource.name})`,
        );
      }
      return exitCodes.ok;
    }
    default:
      throw new UsageError(
        `unknown scopes action "${action}"${suggestionOf(action, ["resolve", "explain", "list"])}\n${usageLineOf(scopesUsage)}`,
      );
  }
}
