/**
 * `@credstack/cli`: the `credstack` command, also callable in-process.
 *
 * @packageDocumentation
 */
export { runScopes, scopesUsage } from "./commands/scopes.js";
export { type CommandIO, exitCodes, UsageError } from "./io.js";
export { main, usage } from "./main.js";
