import { createTestContext, runActionForTest } from '@junction/connector-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import connector from '../src/index.js';
import { closePools } from '../src/pool-registry.js';
import { credentials, mysqlAvailable, sql, tableName } from './support.js';

const available = await mysqlAvailable();
const table = tableName('jt_egress');

function contextFor(host: string, rules: { deny?: string[]; ownPort?: number } = {}) {
  return createTestContext({
    auth: connector.auth,
    credentials: { ...credentials, host },
    egress: {
      ...(rules.deny ? { deny: rules.deny } : {}),
      ...(rules.ownPort ? { own: [{ label: 'API', port: rules.ownPort }] } : {}),
    },
  });
}

const insert = (ctx: ReturnType<typeof contextFor>) =>
  runActionForTest(connector, 'insert-row', { table, values: { id: 1 } }, ctx).catch((e) => e);

describe.skipIf(!available)(
  'the mysql connector connects only where the egress rules allow',
  () => {
    beforeAll(() => sql(`create table ${table} (id int)`));
    afterAll(async () => {
      await closePools();
      await sql(`drop table if exists ${table}`);
    });

    it('refuses a port Junction listens on, under any spelling of the host, and writes nothing', async () => {
      for (const host of ['127.0.0.1', 'localhost', '2130706433', '::ffff:127.0.0.1']) {
        const thrown = await insert(contextFor(host, { ownPort: credentials.port }));
        expect(thrown, host).toMatchObject({ kind: 'invalidInput', rule: 'junction-api' });
      }
      const tested = await connector.auth.test?.(contextFor('127.0.0.1', { ownPort: 3306 }));
      expect(tested?.ok === false && tested.reason).toContain('egress rule "junction-api"');
      expect(await sql(`select * from ${table}`)).toEqual([]);
    });

    it('applies a JUNCTION_EGRESS_DENY entry, and connects when nothing refuses', async () => {
      const thrown = await insert(contextFor('127.0.0.1', { deny: ['127.0.0.1/32'] }));
      expect(thrown).toMatchObject({ rule: 'JUNCTION_EGRESS_DENY 127.0.0.1/32' });
      expect(await sql(`select * from ${table}`)).toEqual([]);
      await runActionForTest(
        connector,
        'insert-row',
        { table, values: { id: 2 } },
        contextFor('127.0.0.1'),
      );
      expect(await sql(`select id from ${table}`)).toEqual([{ id: 2 }]);
    });
  },
);
