import { StoreConfigError } from "../errors.js";

/** Loads optional peers; injectable for tests. */
export type ImportModule = (specifier: string) => Promise<unknown>;

const defaultImport: ImportModule = (specifier) => import(specifier);

/**
 * Imports an optional peer; when it (or a module it imports) is not installed, a
 * {@link StoreConfigError} (blaming `source`, the setting that asked for it) saying what to install for
 * `purpose`. Other failures pass through.
 */
export async function loadOptional<T>(
  specifier: string,
  packages: readonly string[],
  purpose: string,
  source: string,
  importModule: ImportModule = defaultImport,
): Promise<T> {
  try {
    return (await importModule(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const notFound =
      code === "ERR_MODULE_NOT_FOUND" ||
      code === "MODULE_NOT_FOUND" ||
      /Cannot find (module|package)/.test(String((error as Error).message));
    if (!notFound) throw error;
    const message = String((error as Error).message);
    const missing = packages.find((name) => message.includes(`'${name}'`)) ?? specifier;
    throw new StoreConfigError(
      `${missing} is not installed: install ${packages.join(" and ")} to use ${purpose} (npm install ${packages.join(" ")}).`,
      { cause: error, source },
    );
  }
}
