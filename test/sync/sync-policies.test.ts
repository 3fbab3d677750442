import { describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { syncFixture } from './sync-engine-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const available = await mariadbAvailable();
// API only: the test runs each sync itself, one run at a time.
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
const f = syncFixture(s);

/** A linked pair (Ann) edited on both sides, then one run; both rows afterwards. */
async function conflictUnder(conflict: Record<string, unknown>, bLater = false) {
  const { crm, erp } = await f.tables();
  await s.pg(`insert into ${crm} (email, full_name, phone) values ('ann@crm.test', 'Ann', '1')`);
  const id = await f.createSync(f.definition(crm, erp, { conflict }));
  await f.tick(id);
  // Explicit modified-at instants (a second apart) say which edit is the newer one.
  const [aAt, bAt] = bLater ? [1, 2] : [2, 1];
  await s.pg(
    `update ${crm} set full_name = 'Ann A', phone = '100', updated_at = now() + make_interval(secs => $1)`,
    [aAt],
  );
  await maria(
    `update ${erp} set name = 'Ann B', phone = '200', updated_at = current_timestamp(3) + interval ? second`,
    [bAt],
  );
  const run = await f.tick(id);
  const [a] = await s.pg(`select full_name, phone from ${crm}`);
  const [b] = await maria(`select name, phone from ${erp}`);
  expect(await f.tick(id)).toMatchObject({ writes: 0, changes: 0 });
  return { run, a: [a?.full_name, a?.phone], b: [b?.name, b?.phone] };
}

describe.skipIf(!available)('sync policies', () => {
  it('resolves a conflict by a_wins, b_wins, newest_wins and field ownership', async () => {
    const aWins = await conflictUnder({ policy: 'a_wins' });
    expect(aWins.a).toEqual(['Ann A', '100']);
    expect(aWins.b).toEqual(['Ann A', '100']);
    expect(aWins.run.delta('write:b:update')).toBe(1);
    const bWins = await conflictUnder({ policy: 'b_wins' });
    expect(bWins.a).toEqual(['Ann B', '200']);
    expect(bWins.b).toEqual(['Ann B', '200']);
    // Newest: A edited after B, then B after A.
    expect((await conflictUnder({ policy: 'newest_wins' })).b).toEqual(['Ann A', '100']);
    expect((await conflictUnder({ policy: 'newest_wins' }, true)).a).toEqual(['Ann B', '200']);
    // The CRM owns the name, the ERP the phone.
    const fields = await conflictUnder({
      policy: 'fields',
      aOwns: ['values.name'],
      bOwns: ['values.phone'],
    });
    expect(fields.a).toEqual(['Ann A', '200']);
    expect(fields.b).toEqual(['Ann A', '200']);
    expect(fields.run.delta('write:')).toBe(2);
    const audited = (
      await s.t.junction.database.pool.query(
        `select count(*)::int as n from audit_entries where action = 'sync.conflict.resolve'`,
      )
    ).rows[0].n;
    expect(audited).toBe(5);
  });

  it('deletes, archives or flags the other record of one deleted on a side', async () => {
    // delete: both ways.
    let { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email) values ('a@crm.test'), ('b@crm.test')`);
    let id = await f.createSync(f.definition(crm, erp, { deletes: { policy: 'delete' } }));
    await f.tick(id);
    await s.pg(`delete from ${crm} where email = 'a@crm.test'`);
    await maria(`delete from ${erp} where email = 'b@crm.test'`);
    // Not yet due: nothing is looked for.
    expect((await f.tick(id)).delta('delete:')).toBe(0);
    await f.scanDeletesNow(id);
    const swept = await f.tick(id);
    expect(swept.delta('delete:delete')).toBe(2);
    expect(await s.pg(`select email from ${crm}`)).toEqual([]);
    expect(await maria(`select email from ${erp}`)).toEqual([]);
    expect((await f.pairs(id, crm, erp)).links).toEqual([]);
    const deletes = (
      await s.t.junction.database.pool.query(
        `select data from audit_entries where subject_id = $1 and action = 'sync.record.delete'`,
        [id],
      )
    ).rows.map((r) => `${r.data.side}:${r.data.gone.side}`);
    expect(deletes.sort()).toEqual(['a:b', 'b:a']);

    // archive (one way, CRM -> ERP): the ERP row is kept, marked archived.
    ({ crm, erp } = await f.tables());
    await s.pg(`insert into ${crm} (email) values ('c@crm.test')`);
    const oneWay = f.definition(crm, erp, {
      direction: 'a_to_b',
      deletes: { policy: 'archive', field: 'values', value: { archived: 1 } },
    }) as { mappings: Record<string, unknown> };
    delete oneWay.mappings.bToA;
    id = await f.createSync(oneWay);
    await f.tick(id);
    await s.pg(`delete from ${crm}`);
    await f.scanDeletesNow(id);
    expect((await f.tick(id)).delta('delete:archive')).toBe(1);
    expect(await maria(`select email, archived from ${erp}`)).toEqual([
      { email: 'c@crm.test', archived: 1 },
    ]);
    expect((await f.pairs(id, crm, erp)).links.map((l) => l.state)).toEqual(['archived']);

    // flag: nothing is deleted; the link says which side lost its record.
    ({ crm, erp } = await f.tables());
    await s.pg(`insert into ${crm} (email) values ('d@crm.test')`);
    id = await f.createSync(f.definition(crm, erp));
    await f.tick(id);
    await maria(`delete from ${erp}`);
    await f.scanDeletesNow(id);
    await f.tick(id);
    expect(await s.pg(`select email from ${crm}`)).toEqual([{ email: 'd@crm.test' }]);
    const [flagged] = (
      await s.t.junction.database.pool.query(
        'select state, note from sync_links where sync_id = $1',
        [id],
      )
    ).rows;
    expect(flagged).toEqual({ state: 'flagged', note: 'deleted on b' });
    // Listed for a person: GET /v1/syncs/{id}/links?state=flagged (readable by a viewer).
    const api = apiOf(s.t);
    const viewer = (await api.post('/v1/tokens', { name: 'links viewer', role: 'viewer' })).body
      .token as string;
    const listed = await api.as(viewer).get(`/v1/syncs/${id}/links?state=flagged`);
    expect(listed.status).toBe(200);
    expect(listed.body.data).toEqual([
      expect.objectContaining({ state: 'flagged', note: 'deleted on b', bKey: expect.any(String) }),
    ]);
    expect((await api.get(`/v1/syncs/${id}/links?state=active`)).body.data).toEqual([]);
    expect((await api.get(`/v1/syncs/${id}/links?state=lost`)).status).toBe(422);
    expect((await api.get('/v1/syncs/syn_nope/links')).status).toBe(404);
    const reviewer = (await api.post('/v1/tokens', { name: 'links reviewer', role: 'reviewer' }))
      .body.token as string;
    expect((await api.as(reviewer).get(`/v1/syncs/${id}/links`)).status).toBe(403);
  });

  it('falls back to full keyset scans for a side that cannot list changes (no modified-at)', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('x@crm.test', 'X')`);
    const definition = f.definition(crm, erp) as { b: { settings: Record<string, unknown> } };
    definition.b.settings = { table: erp, keyColumn: 'id' };
    const id = await f.createSync(definition);
    await f.tick(id);
    await maria(`update ${erp} set name = 'X from ERP'`);
    const run = await f.tick(id);
    expect(run.delta('write:a:update')).toBe(1);
    expect(await s.pg(`select full_name from ${crm}`)).toEqual([{ full_name: 'X from ERP' }]);
    expect(await f.tick(id)).toMatchObject({ writes: 0, changes: 0 });
  });
});

describe.skipIf(!available)('a run that stopped between a create and its link', () => {
  it('completes the link of a create that happened (found by match) and creates again one that did not, never twice', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('made@crm.test', 'Made')`);
    const id = await f.createSync(f.definition(crm, erp));
    await f.tick(id);
    const pool = s.t.junction.database.pool;
    // What a killed run leaves: the create on the ERP happened, its recording did not.
    await pool.query(
      `update sync_links set state = 'pending', b_key = null, b_hash = null, b_base = null
       where sync_id = $1`,
      [id],
    );
    // And a pending link of a create that never happened, its page not saved.
    const [lost] = await s.pg(
      `insert into ${crm} (email, full_name) values ('lost@crm.test', 'Lost') returning id`,
    );
    await pool.query(`insert into sync_links (sync_id, a_key, state) values ($1, $2, 'pending')`, [
      id,
      String(lost?.id),
    ]);
    await pool.query(`update sync_cursors set position = '{}' where sync_id = $1`, [id]);
    const run = await f.tick(id);
    expect(run.delta('write:b:create')).toBe(1);
    const { links, a, b } = await f.pairs(id, crm, erp);
    expect(links.map((l) => l.state)).toEqual(['active', 'active']);
    expect([...b.values()].map((r) => r.email).sort()).toEqual(['lost@crm.test', 'made@crm.test']);
    for (const link of links) expect(a.get(link.a_key)?.email).toBe(b.get(link.b_key)?.email);
    expect(await f.tick(id)).toMatchObject({ writes: 0, changes: 0 });
  });

  it('flags such a link of a one-way sync with no match to find the record by', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email) values ('unknown@crm.test')`);
    const oneWay = f.definition(crm, erp, { direction: 'a_to_b' }) as {
      mappings: Record<string, unknown>;
      match?: unknown;
    };
    delete oneWay.mappings.bToA;
    delete oneWay.match;
    const id = await f.createSync(oneWay);
    await f.tick(id);
    await s.t.junction.database.pool.query(
      `update sync_links set state = 'pending', b_key = null where sync_id = $1`,
      [id],
    );
    await f.tick(id);
    const [link] = (
      await s.t.junction.database.pool.query(
        'select state, note from sync_links where sync_id = $1',
        [id],
      )
    ).rows;
    expect(link.state).toBe('flagged');
    expect(link.note).toMatch(/create outcome unknown/);
    expect((await maria(`select count(*) as n from ${erp}`))[0]?.n).toBe(1);
    expect(await s.pg(`select count(*)::int as n from ${crm}`)).toEqual([{ n: 1 }]);
  });
});

describe.skipIf(!available)('a failing run', () => {
  it('keeps the schedule, says why on the sync, and goes on once the target is back', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('back@crm.test', 'Back')`);
    const id = await f.createSync(f.definition(crm, erp));
    await maria(`rename table ${erp} to ${erp}_away`);
    const failed = await f.run({ syncId: id });
    expect(failed.kind).toBe('failed');
    const api = apiOf(s.t);
    const read = await api.get(`/v1/syncs/${id}`);
    expect(read.body.lastRun).toMatchObject({
      ok: false,
      error: expect.stringMatching(/away|exist/),
    });
    const job = await s.t.junction.database.pool.query(
      'select run_at > now() as later from graphile_worker.jobs where key = $1',
      [`sync:${id}`],
    );
    expect(job.rows).toEqual([{ later: true }]);
    await maria(`rename table ${erp}_away to ${erp}`);
    expect((await f.tick(id)).delta('write:b:create')).toBe(1);
    expect((await api.get(`/v1/syncs/${id}`)).body.lastRun).toMatchObject({
      ok: true,
      counts: { created: 1 },
    });
  });
});

describe.skipIf(!available)('a parked conflict whose record is deleted meanwhile', () => {
  it('is closed by the delete policy when resolved, with what happened', async () => {
    const { crm, erp } = await f.tables();
    await s.pg(`insert into ${crm} (email, full_name) values ('gone@crm.test', 'Gone')`);
    const id = await f.createSync(f.definition(crm, erp, { deletes: { policy: 'delete' } }));
    await f.tick(id);
    await s.pg(`update ${crm} set full_name = 'A side', updated_at = now()`);
    await maria(`update ${erp} set name = 'B side'`);
    await f.tick(id);
    const api = apiOf(s.t);
    const [conflict] = (await api.get(`/v1/syncs/${id}/conflicts?state=open`)).body.data;
    await maria(`delete from ${erp}`);
    const resolved = await api.post(`/v1/syncs/${id}/conflicts/${conflict.id}/resolve`, {
      take: 'a',
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect(resolved.body).toMatchObject({
      state: 'resolved',
      resolution: { outcome: 'gone', gone: 'b' },
    });
    // The delete policy took it: the CRM row is deleted too, the link removed.
    expect(await s.pg(`select count(*)::int as n from ${crm}`)).toEqual([{ n: 0 }]);
    expect((await f.pairs(id, crm, erp)).links).toEqual([]);
    expect((await api.get(`/v1/syncs/${id}/conflicts?state=open`)).body.data).toEqual([]);
  });
});
