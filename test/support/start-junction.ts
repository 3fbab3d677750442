import { createJunction, type Junction, type JunctionOptions, loadConfig } from '@junction/core';
import { requesterAt } from './api.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
/** 32 bytes, hex: the key that encrypts connection secrets in tests. */
export const TEST_SECRET_KEY = '5f'.repeat(32);

export interface TestJunction {
  readonly junction: Junction;
  readonly url: string;
  readonly database: TestDatabase;
  /** fetch against the API with the admin token unless other headers are given. */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * A real Junction on a free port, over a fresh database cloned from the migrated template, or
 * over `env.DATABASE_URL` when given (a server of the test's own, left as it is on close).
 */
export async function startTestJunction(
  env: Record<string, string> = {},
  options: JunctionOptions = {},
): Promise<TestJunction> {
  const database: TestDatabase = env.DATABASE_URL
    ? { name: 'given', url: env.DATABASE_URL, drop: async () => {} }
    : await createTestDatabase();
  const config = loadConfig({
    DATABASE_URL: database.url,
    PORT: '0',
    JUNCTION_ADMIN_TOKEN: ADMIN_TOKEN,
    JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
    LOG_LEVEL: 'silent',
    JUNCTION_WORKER_POLL_INTERVAL_MS: '200',
    JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
    JUNCTION_DB_POOL_SIZE: '5',
    // `npm run test:isolated` runs the suites with every plugin in plugin hosts.
    ...isolationFromEnvironment(),
    ...env,
  });
  const junction = await createJunction(config, options);
  const url = junction.url ?? '';
  return {
    junction,
    url,
    database,
    request: requesterAt(url, ADMIN_TOKEN).request,
    async close() {
      await junction.close();
      await database.drop();
    },
  };
}

/** `JUNCTION_PLUGIN_ISOLATION` of the test run itself, when set (a test's own env wins). */
export function isolationFromEnvironment(): Record<string, string> {
  const value = process.env.JUNCTION_PLUGIN_ISOLATION;
  return value ? { JUNCTION_PLUGIN_ISOLATION: value } : {};
}
