/**
 * `@credstack/cli`: the `credstack` command, also callable in-process.
 *
 * @packageDocumentation
 */
export { runDelete } from "./commands/delete.js";
export { runDoctor } from "./commands/doctor.js";
export { runImportLegacy } from "./commands/import-legacy.js";
export { runInspect } from "./commands/inspect.js";
export { runList } from "./commands/list.js";
export { runMigrate } from "./commands/migrate.js";
export { runReencrypt } from "./commands/reencrypt.js";
export { runRotateKey } from "./commands/rotate-key.js";
export { runScopes, scopesUsage } from "./commands/scopes.js";
export { type CommandIO, exitCodes, UsageError } from "./io.js";
export { main, usage } from "./main.js";
