import { describe, expect, it } from 'vitest';
import { failingCreates, syncFixture } from './sync-engine-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
// API only: the test runs each sync itself, one run at a time.
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });

/**
 * The next create on the ERP (mysql) side answers 503: `before` the row is inserted (nothing
 * happened), or `after` it (the row exists, the answer was lost).
 */
let fault: 'before' | 'after' | undefined;
/** The ERP side's `find` calls (their values) and whether it offers `find` at all. */
const erpFinds: string[][] = [];
let erpCanFind = true;
const failing = failingCreates('mysql', () => {
  const when = fault;
  fault = undefined;
  return when;
});
const f = syncFixture(s, {
  records: (base) => {
    const client = failing(base);
    return {
      async side(ref) {
        const side = await client.side(ref);
        if (ref.connector !== 'mysql') return side;
        return {
          ...side,
          async find(field, values) {
            if (!erpCanFind) return undefined;
            erpFinds.push([field, ...values]);
            return side.find(field, values);
          },
        };
      },
    };
  },
});
const pool = () => s.t.junction.database.pool;

const linksOf = async (syncId: string) =>
  (
    await pool().query(
      'select a_key, b_key, state, note from sync_links where sync_id = $1 order by id',
      [syncId],
    )
  ).rows as { a_key: string; b_key: string | null; state: string; note: string | null }[];
const actionsOf = async (syncId: string) =>
  (
    await pool().query(
      `select action from audit_entries where subject_id = $1 and action like 'sync.%' order by id`,
      [syncId],
    )
  ).rows.map((r) => r.action as string);

describe.skipIf(!available)('a create whose outcome is unknown', () => {
  it('with a match: a 503 after the insert fails the run, the link stays pending, the next run links the record it made', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('ann@crm.test', 'Ann')`);
    const id = await f.createSync(f.definition(crm, erp));
    fault = 'after';
    const unknown = f.sum('write:b:create-unknown');
    const failed = await f.run({ syncId: id });
    expect(failed).toMatchObject({ kind: 'failed', message: expect.stringMatching(/503/) });
    // Counted as a create whose outcome is unknown, as one without a match is.
    expect(f.sum('write:b:create-unknown')).toBe(unknown + 1);
    const made = await maria(`select id, email from ${erp}`);
    expect(made).toHaveLength(1);
    expect(await linksOf(id)).toEqual([
      { a_key: expect.any(String), b_key: null, state: 'pending', note: null },
    ]);
    // No flag for a person: the match settles it.
    expect(await actionsOf(id)).not.toContain('sync.link.flag');

    erpFinds.length = 0;
    const next = await f.run({ syncId: id });
    expect(next).toMatchObject({ kind: 'synced', counts: { recovered: 1 } });
    // Looked up by its match value, not by reading the whole ERP table.
    expect(erpFinds).toEqual([['values.email', 'ann@crm.test']]);
    expect(await maria(`select id, email from ${erp}`)).toEqual(made);
    expect(await linksOf(id)).toEqual([
      { a_key: expect.any(String), b_key: String(made[0]?.id), state: 'active', note: null },
    ]);
    expect(await actionsOf(id)).toContain('sync.link.recover');
    // Settled: nothing more is written.
    expect(await f.tick(id)).toMatchObject({ writes: 0 });
    expect(await maria(`select count(*) as n from ${erp}`)).toEqual([{ n: 1 }]);
  });

  it('with a match: a 503 before the insert fails the run, the next run finds nothing and creates the record once', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('bob@crm.test', 'Bob')`);
    const id = await f.createSync(f.definition(crm, erp));
    fault = 'before';
    expect(await f.run({ syncId: id })).toMatchObject({ kind: 'failed' });
    expect(await maria(`select id from ${erp}`)).toEqual([]);
    expect((await linksOf(id)).map((l) => l.state)).toEqual(['pending']);

    const next = await f.tick(id);
    expect(next.delta('write:b:create')).toBe(1);
    const rows = await maria(`select id, email, name from ${erp}`);
    expect(rows).toEqual([{ id: expect.any(Number), email: 'bob@crm.test', name: 'Bob' }]);
    expect(await linksOf(id)).toEqual([
      { a_key: expect.any(String), b_key: String(rows[0]?.id), state: 'active', note: null },
    ]);
    expect(await actionsOf(id)).toContain('sync.record.create');
    expect(await actionsOf(id)).not.toContain('sync.link.flag');
    expect(await f.tick(id)).toMatchObject({ writes: 0 });
  });

  it('with a match and a record type that cannot find: the next run scans the other side and links the record it made', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('dee@crm.test', 'Dee')`);
    // Another ERP record with a different email: the scan must pass it by.
    await maria(`insert into ${erp} (email, name) values ('eve@erp.test', 'Eve')`);
    const id = await f.createSync(f.definition(crm, erp));
    fault = 'after';
    expect(await f.run({ syncId: id })).toMatchObject({ kind: 'failed' });
    erpCanFind = false;
    try {
      const next = await f.run({ syncId: id });
      expect(next).toMatchObject({ kind: 'synced', counts: { recovered: 1 } });
    } finally {
      erpCanFind = true;
    }
    const [dee] = await maria(`select id from ${erp} where email = 'dee@crm.test'`);
    const links = await linksOf(id);
    expect(links).toContainEqual({
      a_key: expect.any(String),
      b_key: String(dee?.id),
      state: 'active',
      note: null,
    });
    expect(await maria(`select count(*) as n from ${erp} where email = 'dee@crm.test'`)).toEqual([
      { n: 1 },
    ]);
  });

  it('without a match: the link is flagged with a note saying nothing can settle it, and the record is not created twice', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('cy@crm.test', 'Cy')`);
    const both = f.definition(crm, erp);
    const oneWay = {
      ...both,
      direction: 'a_to_b',
      mappings: { aToB: both.mappings.aToB },
      match: undefined,
    };
    const id = await f.createSync(oneWay);
    fault = 'after';
    const run = await f.tick(id);
    expect(run.delta('write:b:create-unknown')).toBe(1);
    const [link] = await linksOf(id);
    expect(link).toMatchObject({ b_key: null, state: 'flagged' });
    expect(link?.note).toMatch(/^create outcome unknown \(no match to look for the record by\): /);
    expect(link?.note).toMatch(/503/);
    expect(await actionsOf(id)).toContain('sync.link.flag');
    // Flagged links wait for a person: later runs create nothing.
    expect(await f.tick(id)).toMatchObject({ writes: 0 });
    expect(await maria(`select count(*) as n from ${erp}`)).toEqual([{ n: 1 }]);
  });
});
