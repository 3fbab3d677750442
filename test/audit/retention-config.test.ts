import { createJunction, loadConfig } from '@junction/core';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordAudit, sealAuditEntries } from '../../core/src/audit/index.js';
import { createDatabase } from '../../core/src/index.js';
import { ADMIN_TOKEN } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.drop();
});

const env = (extra: Record<string, string>) => ({
  DATABASE_URL: 'postgres://127.0.0.1/x',
  JUNCTION_ADMIN_TOKEN: ADMIN_TOKEN,
  ...extra,
});

it('JUNCTION_AUDIT_RETENTION_DAYS: unset keeps forever; bad values are refused plainly', () => {
  expect(loadConfig(env({})).auditRetentionDays).toBeUndefined();
  expect(loadConfig(env({ JUNCTION_AUDIT_RETENTION_DAYS: '365' })).auditRetentionDays).toBe(365);
  expect(() => loadConfig(env({ JUNCTION_AUDIT_RETENTION_DAYS: '0' }))).toThrow(
    'JUNCTION_AUDIT_RETENTION_DAYS must be at least 1; got "0"',
  );
  expect(() => loadConfig(env({ JUNCTION_AUDIT_RETENTION_DAYS: 'a year' }))).toThrow(
    'JUNCTION_AUDIT_RETENTION_DAYS must be a whole number; got "a year"',
  );
});

it('a worker started with a retention period drops old bodies and records it', async () => {
  const setup = createDatabase(database.url, 2);
  try {
    await recordAudit(setup.db, {
      actor: 'system',
      action: 'test.old',
      subjectType: 'test',
      subjectId: 'old',
      at: new Date(Date.now() - 100 * 86_400_000),
      data: { input: 'old body' },
    });
    await recordAudit(setup.db, {
      actor: 'system',
      action: 'test.new',
      subjectType: 'test',
      subjectId: 'new',
      data: { input: 'new body' },
    });
    await sealAuditEntries(setup.db);
  } finally {
    await setup.close();
  }
  const junction = await createJunction(
    loadConfig({
      DATABASE_URL: database.url,
      JUNCTION_ROLE: 'worker',
      LOG_LEVEL: 'silent',
      JUNCTION_DB_POOL_SIZE: '3',
      JUNCTION_AUDIT_RETENTION_DAYS: '30',
    }),
  );
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const deadline = Date.now() + 10_000;
    let rows: Array<{ subject_id: string; data: unknown }> = [];
    while (Date.now() < deadline) {
      rows = (
        await client.query(
          `select subject_id, data from audit_entries where action like 'test.%' order by id`,
        )
      ).rows;
      if (rows[0]?.data === null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(rows).toEqual([
      { subject_id: 'old', data: null },
      { subject_id: 'new', data: { input: 'new body' } },
    ]);
    const recorded = await client.query(
      `select data from audit_entries where action = 'audit.retention'`,
    );
    expect(recorded.rows).toMatchObject([{ data: { retentionDays: 30, dropped: 1 } }]);
  } finally {
    await client.end();
    await junction.close();
  }
});
