import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordAudit, sealAuditEntries } from '../../core/src/audit/index.js';
import { createDatabase, type JunctionDatabase } from '../../core/src/index.js';
import { startNode } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Runs the built CLI (dist): `npx tsc -b` first.
let database: TestDatabase;
let junctionDb: JunctionDatabase;

beforeAll(async () => {
  database = await createTestDatabase();
  junctionDb = createDatabase(database.url, 2);
});

afterAll(async () => {
  await junctionDb?.close();
  await database?.drop();
});

async function verify(): Promise<{ code: number | null; output: string }> {
  const child = startNode(['core/dist/cli/main.js', 'audit', 'verify'], {
    DATABASE_URL: database.url,
  });
  const { code } = await child.exited();
  return { code, output: child.output() };
}

it('junction audit verify: 0 and a sentence when intact, 1 naming the entry when broken', async () => {
  for (let n = 1; n <= 3; n++) {
    await recordAudit(junctionDb.db, {
      actor: 'system',
      action: 'test.write',
      subjectType: 'test',
      subjectId: String(n),
      data: { n },
    });
  }
  await sealAuditEntries(junctionDb.db);
  await recordAudit(junctionDb.db, {
    actor: 'system',
    action: 'test.write',
    subjectType: 'test',
    subjectId: '4',
  });
  const intact = await verify();
  expect(intact.code).toBe(0);
  expect(intact.output).toMatch(
    /^The audit chain is intact: 3 sealed entries verified; 1 entry is not sealed yet .*Head: #3 [0-9a-f]{64}\.\n$/,
  );

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query('alter table audit_entries disable trigger user');
    await client.query(`update audit_entries set data = '{"n": 20}' where seq = 2`);
    await client.query('alter table audit_entries enable trigger user');
    const { rows } = await client.query('select id from audit_entries where seq = 2');
    const broken = await verify();
    expect(broken.code).toBe(1);
    expect(broken.output).toContain(
      `The audit chain is broken at entry #2 (id ${rows[0].id}, test.write on test 2): its body does not match its body hash (the body was altered).`,
    );
    expect(broken.output).toContain('1 entry before it verifies; 1 entry is not sealed yet');
  } finally {
    await client.end();
  }
});
