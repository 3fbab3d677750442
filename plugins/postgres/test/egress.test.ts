import { createTestContext, runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database.js';
import connector from '../src/index.js';
import { closePools } from '../src/pool-registry.js';
import { sql } from './support.js';

let junctionDb: TestDatabase;
let erp: TestDatabase;

beforeAll(async () => {
  junctionDb = await createTestDatabase();
  erp = await createTestDatabase();
  await sql(erp.url, 'create table customers (name text)');
});
afterAll(async () => {
  await closePools();
  await junctionDb?.drop();
  await erp?.drop();
});

/** A context whose egress rules say that `junctionDb` is Junction's own database. */
function contextFor(connectionString: string, rules: { deny?: string[] } = {}) {
  const url = new URL(junctionDb.url);
  return createTestContext({
    auth: connector.auth,
    credentials: { connectionString },
    egress: {
      ...rules,
      own: [
        {
          label: 'database',
          port: Number(url.port || 5432),
          addresses: ['127.0.0.1'],
          hosts: [url.hostname],
          postgresDatabase: url.pathname.slice(1),
        },
      ],
    },
  });
}

const rows = async (url: string, table: string) =>
  (await sql<{ n: number }>(url, `select count(*)::int as n from ${table}`))[0]?.n;

describe('the postgres connector connects only where the egress rules allow', () => {
  it("refuses Junction's own database, under any spelling of its host, and writes nothing", async () => {
    const tokens = await rows(junctionDb.url, 'api_tokens');
    for (const host of ['127.0.0.1', 'localhost', '2130706433', '[::ffff:127.0.0.1]']) {
      const url = new URL(junctionDb.url);
      url.hostname = host;
      const ctx = contextFor(url.toString());
      const tested = await connector.auth.test?.(ctx);
      expect(tested, host).toMatchObject({ ok: false });
      expect(tested?.ok === false && tested.reason, host).toContain(
        'egress rule "junction-database"',
      );
      const thrown = await runActionForTest(
        connector,
        'insert-row',
        { table: 'api_tokens', values: { name: 'planted' } },
        ctx,
      ).catch((e) => e);
      expect(thrown, host).toMatchObject({ kind: 'invalidInput', rule: 'junction-database' });
    }
    expect(await rows(junctionDb.url, 'api_tokens')).toBe(tokens);
  });

  it('reaches another database of the same server (the ERP), as its own connection', async () => {
    await runActionForTest(
      connector,
      'insert-row',
      { table: 'customers', values: { name: 'Ada' } },
      contextFor(erp.url),
    );
    expect(await rows(erp.url, 'customers')).toBe(1);
  });

  it('applies a JUNCTION_EGRESS_DENY entry to the address it connects to', async () => {
    const thrown = await runActionForTest(
      connector,
      'insert-row',
      { table: 'customers', values: { name: 'Grace' } },
      contextFor(erp.url, { deny: ['127.0.0.0/8', '::1'] }),
    ).catch((e) => e);
    expect(thrown).toMatchObject({ kind: 'invalidInput' });
    expect(thrown.rule).toMatch(/^JUNCTION_EGRESS_DENY (127\.0\.0\.0\/8|::1)$/);
    expect(await rows(erp.url, 'customers')).toBe(1);
  });
});
