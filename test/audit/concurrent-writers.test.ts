import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sealAuditEntries, verifyAuditChain } from '../../core/src/audit/index.js';
import { createDatabase, type JunctionDatabase } from '../../core/src/index.js';
import { type Child, startNode } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// Spawned processes run the built core (dist): `npx tsc -b` first.
const fixtures = path.join(import.meta.dirname, 'fixtures');
let database: TestDatabase;
let junctionDb: JunctionDatabase;
const children: Child[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  junctionDb = createDatabase(database.url, 2);
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await junctionDb?.close();
  await database?.drop();
});

it('three writer processes and two sealers keep one chain with no gaps or forks', async () => {
  const env = { DATABASE_URL: database.url, TRANSACTIONS: '150' };
  const sealers = ['a', 'b'].map(() => startNode([path.join(fixtures, 'audit-sealer.mjs')], env));
  children.push(...sealers);
  await Promise.all(sealers.map((s) => s.waitFor(/ready/)));
  const writers = ['w1', 'w2', 'w3'].map((name) =>
    startNode([path.join(fixtures, 'audit-writer.mjs')], { ...env, WRITER_NAME: name }),
  );
  children.push(...writers);
  const counts = await Promise.all(
    writers.map(async (w) => Number((await w.waitFor(/done (\d+)/, 60_000))[1])),
  );
  for (const w of writers) expect((await w.exited()).code).toBe(0);
  const committed = counts.reduce((a, b) => a + b, 0);
  expect(committed).toBeGreaterThan(400);

  // Let the sealers catch up, then stop them.
  const deadline = Date.now() + 20_000;
  while ((await verifyAuditChain(junctionDb.db)).unsealed > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const s of sealers) s.process.kill('SIGTERM');
  for (const s of sealers) expect((await s.exited()).code).toBe(0);
  expect(await sealAuditEntries(junctionDb.db)).toEqual({ locked: true, sealed: 0 });

  const result = await verifyAuditChain(junctionDb.db);
  expect(result).toMatchObject({ ok: true, checked: committed, unsealed: 0, brokenLink: null });
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      n: number;
      min: string;
      max: string;
      dup: number;
      rolled: number;
    }>(
      `select count(*)::int as n, min(seq) as min, max(seq) as max,
              count(*) - count(distinct prev_hash) as dup,
              count(*) filter (where action = 'test.rolled-back')::int as rolled
       from audit_entries`,
    );
    // Contiguous 1..n, every prev_hash used once (no fork), nothing from rolled-back transactions.
    expect(rows[0]).toEqual({
      n: committed,
      min: '1',
      max: String(committed),
      dup: '0',
      rolled: 0,
    });
  } finally {
    await client.end();
  }
}, 90_000);
