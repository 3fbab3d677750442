import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { warnWithoutAutovacuum } from '../../core/src/db/warn-without-autovacuum.js';
import { createLogger } from '../../core/src/log/create-logger.js';
import { captureLogs } from '../support/log-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

async function check(options?: string) {
  const pool = new pg.Pool({ connectionString: database.url, max: 1, options });
  const logs = captureLogs();
  try {
    const on = await warnWithoutAutovacuum(pool, createLogger('info', logs.stream));
    return { on, logs: logs.text() };
  } finally {
    await pool.end();
  }
}

describe('the autovacuum check at start', () => {
  it('warns, with the settings to change, when the server does not count changes (track_counts off)', async () => {
    const { on, logs } = await check('-c track_counts=off');
    expect(on).toBe(false);
    expect(logs).toMatch(/"level":40/);
    expect(logs).toContain('autovacuum is off on this PostgreSQL server');
    expect(logs).toContain('"track_counts":"off"');
  });

  it('agrees with the server: warns exactly when its autovacuum is off', async () => {
    const server = new pg.Client({ connectionString: database.url });
    await server.connect();
    const { rows } = await server.query<{ autovacuum: string }>('show autovacuum');
    await server.end();
    const { on, logs } = await check();
    expect(on).toBe(rows[0]?.autovacuum === 'on');
    expect(logs.includes('autovacuum is off')).toBe(!on);
  });
});
