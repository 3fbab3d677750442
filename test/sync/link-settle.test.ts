import { describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { apiOf, pointersOf } from '../support/api.js';
import { failingCreates, syncFixture } from './sync-engine-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
// API only: the test runs each sync itself, one run at a time.
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });

/** While set, the next create on the ERP (mysql) side inserts its row, then answers 503. */
let lose = false;
const f = syncFixture(s, {
  records: failingCreates('mysql', () => {
    const when = lose ? 'after' : undefined;
    lose = false;
    return when;
  }),
});
const pool = () => s.t.junction.database.pool;

/** Everything a refused request must leave as it was: the sync's links and audit entries. */
async function snapshot(syncId: string) {
  const links = await pool().query('select * from sync_links where sync_id = $1 order by id', [
    syncId,
  ]);
  const audit = await pool().query(
    'select count(*)::int as n from audit_entries where subject_id = $1',
    [syncId],
  );
  return { links: links.rows, audit: audit.rows[0].n };
}
const linksOf = async (syncId: string) =>
  (
    await pool().query(
      'select id::text, a_key, b_key, state, note from sync_links where sync_id = $1 order by id',
      [syncId],
    )
  ).rows as { id: string; a_key: string; b_key: string | null; state: string; note: string }[];
const auditOf = async (syncId: string, action: string) =>
  (
    await pool().query(
      'select actor, data from audit_entries where subject_id = $1 and action = $2 order by id',
      [syncId, action],
    )
  ).rows;

/** A one-way sync without a match whose create of Ann was lost: her link is flagged. */
async function lostCreate() {
  const { crm, erp } = await f.tables();
  await s.pg(`insert into ${crm} (email, full_name) values ('ann@crm.test', 'Ann')`);
  const both = f.definition(crm, erp);
  const id = await f.createSync({
    ...both,
    direction: 'a_to_b',
    mappings: { aToB: both.mappings.aToB },
    match: undefined,
  });
  lose = true;
  await f.tick(id);
  const [link] = await linksOf(id);
  expect(link).toMatchObject({ state: 'flagged', b_key: null });
  const [made] = await maria(`select id from ${erp}`);
  return { crm, erp, id, link: link?.id as string, made: String(made?.id) };
}

describe.skipIf(!available)('settling a flagged link', () => {
  it('relinks a lost create to the record it made; refuses a record missing or linked already, a read-only token and bad input, changing nothing', async () => {
    const api = apiOf(s.t);
    const { crm, erp, id, link, made } = await lostCreate();
    // Bob syncs normally: his ERP record is linked by another link.
    await s.pg(`insert into ${crm} (email, full_name) values ('bob@crm.test', 'Bob')`);
    await f.tick(id);
    const [bob] = await maria(`select id from ${erp} where email = 'bob@crm.test'`);
    const path = `/v1/syncs/${id}/links/${link}`;
    const before = await snapshot(id);

    const viewer = await createToken(s.t, 'viewer');
    const refused = await api.as(viewer.token).post(`${path}/relink`, { side: 'b', key: made });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ permission: 'config:write' });
    const operator = await createToken(s.t, 'operator');
    expect((await api.as(operator.token).post(`${path}/clear`)).status).toBe(403);
    const unlinkAs = await s.t.request(path, { method: 'DELETE', token: viewer.token });
    expect(unlinkAs.status).toBe(403);
    // A viewer reads it.
    const read = await api.as(viewer.token).get(path);
    expect(read.body).toMatchObject({ id: link, aKey: expect.any(String), state: 'flagged' });

    const missing = await api.post(`${path}/relink`, { side: 'b', key: '987654' });
    expect(pointersOf(missing, 422)).toEqual(['/key']);
    const linked = await api.post(`${path}/relink`, { side: 'b', key: String(bob?.id) });
    expect(pointersOf(linked, 409)).toEqual(['/key']);
    expect(linked.body.detail).toMatch(/linked already/);
    expect(pointersOf(await api.post(`${path}/relink`, { side: 'b' }), 422)).toEqual(['/key']);
    expect(pointersOf(await api.post(`${path}/relink`, { side: 'c', key: made }), 422)).toEqual([
      '/side',
    ]);
    expect(
      pointersOf(await api.post(`${path}/relink`, { side: 'b', key: made, x: 1 }), 422),
    ).toEqual(['/x']);
    // No B record to clear with: relink or unlink.
    expect((await api.post(`${path}/clear`)).status).toBe(409);
    // Unknown links, and a link of another sync, are not found.
    for (const other of [
      `/v1/syncs/${id}/links/99999999/relink`,
      `/v1/syncs/${id}/links/not-a-link/relink`,
      `/v1/syncs/syn_nope/links/${link}/relink`,
    ])
      expect(pointersOf(await api.post(other, { side: 'b', key: made }), 404)).toEqual([]);
    const { id: otherSync } = await lostCreate();
    const mine = (await linksOf(otherSync))[0]?.id as string;
    expect((await api.post(`/v1/syncs/${id}/links/${mine}/clear`)).status).toBe(404);
    expect((await api.delete(`/v1/syncs/${id}/links/${mine}`)).status).toBe(404);
    expect(await snapshot(id)).toEqual(before);

    const relinked = await api.post(`${path}/relink`, { side: 'b', key: made });
    expect(relinked.status, JSON.stringify(relinked.body)).toBe(200);
    expect(relinked.body).toMatchObject({ id: link, bKey: made, state: 'active', note: null });
    expect(await auditOf(id, 'sync.link.relink')).toEqual([
      {
        actor: 'token:admin-env',
        data: expect.objectContaining({
          link,
          before: expect.objectContaining({ bKey: null, state: 'flagged' }),
          after: { aKey: relinked.body.aKey, bKey: made },
        }),
      },
    ]);
    // Linked as both records are: nothing to write, and Ann's next edit reaches her ERP record.
    expect(await f.tick(id)).toMatchObject({ writes: 0 });
    await s.pg(`update ${crm} set full_name = 'Ann B', updated_at = now() where email = $1`, [
      'ann@crm.test',
    ]);
    expect((await f.tick(id)).delta('write:b:update')).toBe(1);
    expect(await maria(`select id, name from ${erp} where email = 'ann@crm.test'`)).toEqual([
      { id: Number(made), name: 'Ann B' },
    ]);
    // Settled links are not settled again.
    expect((await api.post(`${path}/clear`)).status).toBe(409);
  });

  it('clears a delete flag once the record is back; unlinks one whose record stays gone, and the record is then created as new', async () => {
    const api = apiOf(s.t);
    const { crm, erp } = await f.tables();
    await s.pg(
      `insert into ${crm} (email, full_name) values ('cat@crm.test', 'Cat'), ('dan@crm.test', 'Dan')`,
    );
    const id = await f.createSync(f.definition(crm, erp));
    await f.tick(id);
    const erpRows = await maria(`select * from ${erp} order by email`);
    await maria(`delete from ${erp}`);
    await f.scanDeletesNow(id);
    await f.tick(id);
    const [cat, dan] = await linksOf(id);
    expect([cat?.state, dan?.state]).toEqual(['flagged', 'flagged']);
    expect(cat?.note).toBe('deleted on b');

    // Cat's record is gone: nothing to clear with.
    const before = await snapshot(id);
    const gone = await api.post(`/v1/syncs/${id}/links/${cat?.id}/clear`);
    expect(pointersOf(gone, 409)).toEqual([]);
    expect(gone.body.detail).toMatch(/gone/);
    expect(await snapshot(id)).toEqual(before);

    // Cat's ERP record is restored (same key): the flag is cleared and the link syncs again.
    const restored = erpRows[0] as Record<string, unknown>;
    await maria(`insert into ${erp} (id, email, name, phone) values (?, ?, ?, ?)`, [
      restored.id,
      restored.email,
      restored.name,
      restored.phone,
    ]);
    const cleared = await api.post(`/v1/syncs/${id}/links/${cat?.id}/clear`);
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body).toMatchObject({ state: 'active', note: null, bKey: cat?.b_key });
    expect(await auditOf(id, 'sync.link.clear')).toHaveLength(1);

    // Dan's stays gone: unlinked, and his next change creates him on the ERP as new.
    const unlinked = await api.delete(`/v1/syncs/${id}/links/${dan?.id}`);
    expect(unlinked.status).toBe(204);
    expect((await api.get(`/v1/syncs/${id}/links/${dan?.id}`)).status).toBe(404);
    expect(await auditOf(id, 'sync.link.unlink')).toEqual([
      {
        actor: 'token:admin-env',
        data: expect.objectContaining({
          link: dan?.id,
          before: expect.objectContaining({ state: 'flagged', note: 'deleted on b' }),
        }),
      },
    ]);
    await s.pg(`update ${crm} set phone = '7', updated_at = now() where email = 'dan@crm.test'`);
    expect((await f.tick(id)).delta('write:b:create')).toBe(1);
    const now = await maria(`select email from ${erp} order by email`);
    expect(now.map((r) => r.email)).toEqual(['cat@crm.test', 'dan@crm.test']);
    expect((await linksOf(id)).map((l) => l.state)).toEqual(['active', 'active']);
    expect(await f.tick(id)).toMatchObject({ writes: 0 });
  });

  it('refuses links that do not wait for a person, changing nothing', async () => {
    const api = apiOf(s.t);
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('eve@crm.test', 'Eve')`);
    const id = await f.createSync(f.definition(crm, erp));
    await f.tick(id);
    const [link] = await linksOf(id);
    const [made] = await maria(`select id from ${erp}`);
    const before = await snapshot(id);
    const path = `/v1/syncs/${id}/links/${link?.id}`;
    const active = await api.post(`${path}/relink`, { side: 'b', key: String(made?.id) });
    expect(pointersOf(active, 409)).toEqual([]);
    expect(active.body.detail).toMatch(/is active/);
    expect((await api.post(`${path}/clear`)).status).toBe(409);
    expect((await api.delete(path)).status).toBe(409);
    expect(await snapshot(id)).toEqual(before);
  });
});
