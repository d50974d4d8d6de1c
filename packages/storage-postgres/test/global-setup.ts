import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The PostgreSQL every test file connects to. */
    pgUrl: string;
  }
}

/**
 * One PostgreSQL for the whole run: `CREDSTACK_TEST_PG_URL` (the root test command sets it), or a
 * throwaway server from `@credstack/test-services`, stopped when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.CREDSTACK_TEST_PG_URL;
  if (fromEnv) {
    project.provide("pgUrl", fromEnv);
    return async () => {};
  }
  const { startPostgres } = await import("@credstack/test-services");
  const server = await startPostgres();
  project.provide("pgUrl", server.url);
  return () => server.stop();
}
