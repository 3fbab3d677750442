import { describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { useSyncJunction } from './sync-support.js';

const s = useSyncJunction();

/** A valid two-way sync between a PostgreSQL and a MariaDB table. */
function definition(overrides: Record<string, unknown> = {}) {
  return {
    name: 'CRM contacts <-> ERP customers',
    a: {
      connector: 'postgres',
      connection: s.pgConnection,
      recordType: 'table_row',
      settings: { table: 'crm_contacts', keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    b: {
      connector: 'mysql',
      connection: s.mysqlConnection,
      recordType: 'table_row',
      settings: { table: 'erp_customers', keyColumn: 'id', modifiedAtColumn: 'updated_at' },
    },
    direction: 'both',
    mappings: {
      aToB: { values: { object: [['email', { var: 'record.values.email' }]] } },
      bToA: { values: { object: [['email', { var: 'record.values.email' }]] } },
    },
    match: { a: 'values.email', b: 'values.email' },
    conflict: { policy: 'park' },
    deletes: { policy: 'flag' },
    ...overrides,
  };
}

const count = async (table: string) =>
  Number(
    (await s.t.junction.database.pool.query(`select count(*)::int as n from ${table}`)).rows[0].n,
  );

describe('/v1/syncs', () => {
  it('creates a sync (versions pinned, defaults filled, audited), lists, reads, versions it', async () => {
    const api = apiOf(s.t);
    const created = await api.post('/v1/syncs', definition(), { 'idempotency-key': 'sync-1' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get('etag')).toBe('"r1"');
    expect(created.headers.get('location')).toBe(`/v1/syncs/${created.body.id}`);
    expect(created.body).toMatchObject({ enabled: false, version: 1, revision: 1 });
    expect(created.body.definition.a.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(created.body.definition).toMatchObject({ intervalSeconds: 60, deleteScanSeconds: 300 });
    const again = await api.post('/v1/syncs', definition(), { 'idempotency-key': 'sync-1' });
    expect(again.body.id).toBe(created.body.id);
    const [entry] = (
      await s.t.junction.database.pool.query(
        `select actor, data from audit_entries where action = 'sync.create' and subject_id = $1`,
        [created.body.id],
      )
    ).rows;
    expect(entry.data.after.b.settings.table).toBe('erp_customers');

    const id = created.body.id as string;
    const read = await api.get(`/v1/syncs/${id}`);
    expect(read.status).toBe(200);
    expect(read.headers.get('etag')).toBe('"r1"');

    const second = await api.post('/v1/syncs', definition({ name: 'second' }));
    expect(second.status).toBe(201);
    const first = await api.get('/v1/syncs?limit=1');
    expect(first.body.data.map((x: { id: string }) => x.id)).toEqual([id]);
    const next = await api.get(`/v1/syncs?limit=1&cursor=${first.body.nextCursor}`);
    expect(next.body.data.map((x: { id: string }) => x.id)).toEqual([second.body.id]);
    expect(next.body.nextCursor).toBeNull();

    const missing = await api.put(`/v1/syncs/${id}`, definition({ name: 'renamed' }));
    expect(missing.status).toBe(428);
    const stale = await api.put(`/v1/syncs/${id}`, definition({ name: 'renamed' }), {
      'if-match': '"r9"',
    });
    expect(stale.status).toBe(412);
    const updated = await api.put(`/v1/syncs/${id}`, definition({ name: 'renamed' }), {
      'if-match': '"r1"',
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    expect(updated.body).toMatchObject({ name: 'renamed', version: 2, revision: 2 });
    const versions = await api.get(`/v1/syncs/${id}/versions`);
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const v1 = await api.get(`/v1/syncs/${id}/versions/1`);
    expect(v1.body.definition.name).toBe('CRM contacts <-> ERP customers');
    expect((await api.get(`/v1/syncs/${id}/versions/7`)).status).toBe(404);
  });

  it('enables (a job keyed by the sync), disables, refuses deleting an enabled sync, deletes', async () => {
    const api = apiOf(s.t);
    const created = await api.post('/v1/syncs', definition({ name: 'to delete' }));
    const id = created.body.id as string;
    const jobs = async () =>
      (
        await s.t.junction.database.pool.query(
          `select task_identifier from graphile_worker.jobs where key = $1`,
          [`sync:${id}`],
        )
      ).rows;
    // Its tables do not exist: no backfill (test/sync/enable-backfill.test.ts enables with one).
    const enabled = await api.post(
      `/v1/syncs/${id}/enable`,
      { backfill: false },
      { 'if-match': '"r1"' },
    );
    expect(enabled.status).toBe(200);
    expect(enabled.body).toMatchObject({ enabled: true, backfill: null });
    const refused = await api.delete(`/v1/syncs/${id}`, { 'if-match': '"r2"' });
    expect(refused.status).toBe(409);
    const disabled = await api.post(`/v1/syncs/${id}/disable`, undefined, { 'if-match': '"r2"' });
    expect(disabled.body.enabled).toBe(false);
    expect(await jobs()).toEqual([]);
    expect((await api.delete(`/v1/syncs/${id}`)).status).toBe(428);
    const deleted = await api.delete(`/v1/syncs/${id}`, { 'if-match': '"r3"' });
    expect(deleted.status).toBe(204);
    expect((await api.get(`/v1/syncs/${id}`)).status).toBe(404);
    const actions = (
      await s.t.junction.database.pool.query(
        `select action from audit_entries where subject_id = $1 order by id`,
        [id],
      )
    ).rows.map((r) => r.action);
    expect(actions).toEqual(['sync.create', 'sync.enable', 'sync.disable', 'sync.delete']);
  });

  it('refuses each bad field with a JSON pointer and stores nothing', async () => {
    const api = apiOf(s.t);
    const before = await count('syncs');
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ a: { ...definition().a, connector: 'nope' } }, '/a/connector', /no connector "nope"/],
      [
        { b: { ...definition().b, connection: s.pgConnection } },
        '/b/connection',
        /is for "postgres", not "mysql"/,
      ],
      [{ a: { ...definition().a, recordType: 'row' } }, '/a/recordType', /no record type "row"/],
      [{ b: { ...definition().b, settings: { keyColumn: 'id' } } }, '/b/settings/table', /./],
      [
        { mappings: { aToB: { email: { var: 'record.values.email' } }, bToA: {} } },
        '/mappings/aToB/email',
        /has no field "email"/,
      ],
      [
        { mappings: { aToB: { values: { var: 'event.body' } }, bToA: {} } },
        '/mappings/aToB/values',
        /must start with "record\."/,
      ],
      [
        { mappings: { aToB: { key: { var: 'record.nothing' } }, bToA: {} } },
        '/mappings/aToB/key',
        /has no field "nothing"/,
      ],
      [
        { mappings: { aToB: { values: { var: 'record.values' } } } },
        '/mappings/bToA',
        /needs the mapping bToA/,
      ],
      [{ direction: 'a_to_b' }, '/mappings/bToA', /does not use bToA/],
      [
        { conflict: { policy: 'fields', aOwns: ['name'], bOwns: [] } },
        '/conflict/aOwns/0',
        /not a target field/,
      ],
      [
        { deletes: { policy: 'archive', field: 'archived', value: true } },
        '/deletes/field',
        /has no field "archived"/,
      ],
      [{ match: { a: 'nothing', b: 'values.email' } }, '/match/a', /has no field "nothing"/],
      [{ match: undefined }, '/match', /needs match/],
      [{ direction: 'sideways' }, '/direction', /./],
    ];
    for (const [change, pointer, detail] of cases) {
      const res = await api.post('/v1/syncs', definition(change));
      expect(res.status, JSON.stringify(change)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const found = (res.body.errors as { pointer: string; detail: string }[]).find(
        (e) => e.pointer === pointer,
      );
      expect(found, `${pointer} in ${JSON.stringify(res.body.errors)}`).toBeDefined();
      expect(found?.detail).toMatch(detail);
    }
    expect(await count('syncs')).toBe(before);
  });

  it('lets a viewer read but not write, and an operator not change a sync', async () => {
    const api = apiOf(s.t);
    const token = async (role: string) =>
      (await api.post('/v1/tokens', { name: `sync ${role}`, role })).body.token as string;
    const viewer = await token('viewer');
    const operator = await token('operator');
    const before = await count('syncs');
    const refused = await api.as(viewer).post('/v1/syncs', definition());
    expect(refused.status).toBe(403);
    expect(await count('syncs')).toBe(before);
    expect((await api.as(viewer).get('/v1/syncs')).status).toBe(200);
    const created = await api.post('/v1/syncs', definition({ name: 'guarded' }));
    const opPut = await s.t.request(`/v1/syncs/${created.body.id}/enable`, {
      method: 'POST',
      token: operator,
      headers: { 'if-match': '"r1"' },
    });
    expect(opPut.status).toBe(403);
    expect((await api.get(`/v1/syncs/${created.body.id}`)).body.enabled).toBe(false);
  });
});
