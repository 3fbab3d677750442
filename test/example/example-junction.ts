import { afterAll, beforeAll } from 'vitest';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** A test Junction and an "ERP" database for an example test file, closed after it. */
export function useExampleJunction() {
  const held: { junction?: TestJunction; erp?: TestDatabase } = {};
  beforeAll(async () => {
    held.junction = await startTestJunction({ JUNCTION_WORKER_POLL_INTERVAL_MS: '100' });
    held.erp = await createTestDatabase();
  });
  afterAll(async () => {
    await held.junction?.close();
    await held.erp?.drop();
  });
  return {
    get junction() {
      return held.junction as TestJunction;
    },
    get erp() {
      return held.erp as TestDatabase;
    },
  };
}
