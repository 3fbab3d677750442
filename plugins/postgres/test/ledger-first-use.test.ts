import { createSqlLedger } from '@junction/connector-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';

let db: TestDatabase;
const clients: pg.Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const client of clients) await client.end();
  await db?.drop();
});

/** A session of its own, as each Junction process (or step) has. */
async function session() {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  clients.push(client);
  return {
    async query(text: string, values: readonly unknown[]) {
      const result = await client.query(text, [...values]);
      return { rows: result.rows, changed: result.rowCount ?? 0 };
    },
  };
}

describe('the idempotency ledger on its first use', () => {
  it('lets many sessions create its table at the same moment: every write goes through, once', async () => {
    const admin = await session();
    await admin.query('create table contacts (n serial primary key, email text not null)', []);
    // One ledger per process, each still believing the table missing: the chaos run's first
    // events met this as "duplicate key value violates unique constraint pg_type_typname_nsp_index".
    const writers = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => ({
        ledger: createSqlLedger({ dialect: 'postgres', table: 'first_use_keys' }),
        session: await session(),
        key: `evt_${i}:all:contact`,
      })),
    );
    const outputs = await Promise.all(
      writers.map(({ ledger, session: s, key }) =>
        ledger.writeOnce(s, key, async () => {
          const r = await s.query('insert into contacts (email) values ($1) returning n', [key]);
          return { n: r.rows[0]?.n };
        }),
      ),
    );
    expect(outputs).toHaveLength(8);
    const { rows } = await admin.query('select count(*)::int as n from contacts', []);
    expect(rows[0]?.n).toBe(8);
  });
});
