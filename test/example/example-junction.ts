import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * A test Junction and an "ERP" database for an example test file, closed after it. The ERP
 * database is owned by a role of its own, and its URL connects as that role, as the examples'
 * command line does: the ERP connection never holds Junction's role.
 */
export function useExampleJunction() {
  const held: { junction?: TestJunction; erp?: TestDatabase; role?: string } = {};
  beforeAll(async () => {
    held.junction = await startTestJunction({ JUNCTION_WORKER_POLL_INTERVAL_MS: '100' });
    const database = await createTestDatabase();
    const role = `erp_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    held.role = role;
    await asServer(async (admin) => {
      await admin.query(`create role ${role} login password '${password}'`);
      await admin.query(`alter database ${database.name} owner to ${role}`);
    });
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    held.erp = { ...database, url: url.toString() };
  });
  afterAll(async () => {
    await held.junction?.close();
    await held.erp?.drop();
    if (held.role) await asServer((admin) => admin.query(`drop role if exists ${held.role}`));
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

async function asServer<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}
