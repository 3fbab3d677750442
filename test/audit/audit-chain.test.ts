import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pruneAuditBodies,
  recordAudit,
  sealAuditEntries,
  verifyAuditChain,
} from '../../core/src/audit/index.js';
import { createDatabase, type JunctionDatabase } from '../../core/src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

let database: TestDatabase;
let junctionDb: JunctionDatabase;
let superuser: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  junctionDb = createDatabase(database.url, 4);
  superuser = new pg.Client({ connectionString: database.url });
  await superuser.connect();
});

afterAll(async () => {
  await superuser?.end();
  await junctionDb?.close();
  await database?.drop();
});

const entry = (n: number) => ({
  actor: 'token:test',
  action: 'thing.update',
  subjectType: 'crm.contact',
  subjectId: String(n),
  integrationId: 'int_1',
  runId: `run_${n}`,
  data: { before: { n }, after: { n: n + 1, note: 'ünïcödé "quoted"', list: [1, 2.5, null] } },
});

async function count(): Promise<number> {
  const { rows } = await superuser.query<{ n: string }>('select count(*) as n from audit_entries');
  return Number(rows[0]?.n);
}

async function tamper(statement: string, params: unknown[] = []): Promise<void> {
  await superuser.query('alter table audit_entries disable trigger user');
  try {
    await superuser.query(statement, params);
  } finally {
    await superuser.query('alter table audit_entries enable trigger user');
  }
}

describe('audit chain', () => {
  it('writes no entry when its transaction rolls back', async () => {
    const before = await count();
    await expect(
      junctionDb.db.transaction().execute(async (trx) => {
        await recordAudit(trx, entry(0));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await count()).toBe(before);
  });

  it('seals committed entries into one chain that verifies, and reports unsealed ones apart', async () => {
    for (let n = 1; n <= 5; n++) await recordAudit(junctionDb.db, entry(n));
    const pending = await verifyAuditChain(junctionDb.db);
    expect(pending.unsealed).toBe(5);
    expect(pending.ok).toBe(true);
    expect(await sealAuditEntries(junctionDb.db)).toEqual({ locked: true, sealed: 5 });
    const sealed = await verifyAuditChain(junctionDb.db);
    expect(sealed).toMatchObject({ ok: true, checked: 5, unsealed: 0, brokenLink: null });
    expect(sealed.head?.seq).toBe(5);
  });

  it('rejects UPDATE, DELETE and TRUNCATE through the application connection', async () => {
    const before = await superuser.query('select * from audit_entries order by id');
    await expect(
      sql`update audit_entries set actor = 'someone else' where seq = 1`.execute(junctionDb.db),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`update audit_entries set data = '{}'::jsonb where seq = 2`.execute(junctionDb.db),
    ).rejects.toThrow(/append-only/);
    // Not even the sealing transition on an already sealed row (re-linking the chain).
    await expect(
      sql`update audit_entries set seq = 99 where seq = 3`.execute(junctionDb.db),
    ).rejects.toThrow(/append-only/);
    await expect(
      sql`delete from audit_entries where seq = 1`.execute(junctionDb.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`truncate audit_entries`.execute(junctionDb.db)).rejects.toThrow(/append-only/);
    const after = await superuser.query('select * from audit_entries order by id');
    expect(after.rows).toEqual(before.rows);
  });

  it('detects a body altered by a superuser at that row', async () => {
    await tamper(
      `update audit_entries set data = jsonb_set(data, '{after,n}', '999') where seq = 3`,
    );
    const result = await verifyAuditChain(junctionDb.db);
    expect(result.ok).toBe(false);
    expect(result.brokenLink).toMatchObject({ seq: 3, reason: 'body-hash-mismatch' });
    expect(result.brokenLink?.message).toMatch(/^The audit chain is broken at entry #3 \(id \d+/);
    expect(result.checked).toBe(3);
  });

  it('detects metadata altered (with a recomputed body hash) at that row', async () => {
    await tamper(`update audit_entries set data = jsonb_set(data, '{after,n}', '4') where seq = 3`);
    expect((await verifyAuditChain(junctionDb.db)).ok).toBe(true);
    await tamper(`update audit_entries set actor = 'token:innocent' where seq = 2`);
    const result = await verifyAuditChain(junctionDb.db);
    expect(result.brokenLink).toMatchObject({ seq: 2, reason: 'content-hash-mismatch' });
    await tamper(`update audit_entries set actor = 'token:test' where seq = 2`);
  });

  it('detects a deleted entry as a gap, and a relinked hash at that row', async () => {
    const { rows } = await superuser.query('select * from audit_entries where seq = 4');
    await tamper('delete from audit_entries where seq = 4');
    const gap = await verifyAuditChain(junctionDb.db);
    expect(gap.brokenLink).toMatchObject({ seq: 5, reason: 'seq-gap' });
    const row = rows[0];
    await tamper(
      `insert into audit_entries (id, at, actor, action, subject_type, subject_id, integration_id,
         run_id, request_id, data, body_hash, content_hash, seq, prev_hash, hash, sealed_at)
       values ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
      [
        row.id,
        row.at,
        row.actor,
        row.action,
        row.subject_type,
        row.subject_id,
        row.integration_id,
        row.run_id,
        row.request_id,
        row.data,
        row.body_hash,
        row.content_hash,
        row.seq,
        row.prev_hash,
        row.hash,
        row.sealed_at,
      ],
    );
    expect((await verifyAuditChain(junctionDb.db)).ok).toBe(true);
    await tamper(`update audit_entries set hash = sha256('x') where seq = 4`);
    const relinked = await verifyAuditChain(junctionDb.db);
    expect(relinked.brokenLink).toMatchObject({ seq: 4, reason: 'hash-mismatch' });
    await tamper('update audit_entries set hash = $1 where seq = 4', [row.hash]);
    expect((await verifyAuditChain(junctionDb.db)).ok).toBe(true);
  });

  it('retention drops old bodies, keeps the chain verifiable, and records itself', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    await recordAudit(junctionDb.db, { ...entry(100), at: old });
    await recordAudit(junctionDb.db, { ...entry(101), at: old });
    // Not sealed yet: retention leaves unsealed entries alone.
    const early = await pruneAuditBodies(junctionDb.db, { retentionDays: 30 });
    expect(early.dropped).toBe(0);
    await sealAuditEntries(junctionDb.db);
    // Sealed, but no retention in the database's policy (written by junction migrate): kept.
    expect((await pruneAuditBodies(junctionDb.db, { retentionDays: 30 })).dropped).toBe(0);
    await superuser.query('update audit_policy set retention_days = 30');
    const pruned = await pruneAuditBodies(junctionDb.db, { retentionDays: 30 });
    expect(pruned).toMatchObject({ locked: true, dropped: 2 });
    const { rows } = await superuser.query(
      `select subject_id, data, body_hash, body_dropped_at from audit_entries
       where subject_id in ('100', '101') order by id`,
    );
    for (const row of rows) {
      expect(row.data).toBeNull();
      expect(row.body_hash).toBeInstanceOf(Buffer);
      expect(row.body_dropped_at).toBeInstanceOf(Date);
    }
    const recorded = await superuser.query(
      `select actor, data from audit_entries where action = 'audit.retention'`,
    );
    expect(recorded.rows).toEqual([
      {
        actor: 'system',
        data: { retentionDays: 30, olderThan: pruned.cutoff.toISOString(), dropped: 2 },
      },
    ]);
    await sealAuditEntries(junctionDb.db);
    expect(await verifyAuditChain(junctionDb.db)).toMatchObject({ ok: true, unsealed: 0 });
    // A dropped body cannot come back, and recent bodies stay.
    await expect(
      sql`update audit_entries set data = '{}'::jsonb where subject_id = '100'`.execute(
        junctionDb.db,
      ),
    ).rejects.toThrow(/append-only/);
    expect((await pruneAuditBodies(junctionDb.db, { retentionDays: 30 })).dropped).toBe(0);
  });

  it('redacts secret-looking members and API tokens before they reach the table', async () => {
    const secret = 'hunter2-super-secret-value';
    const apiToken = `jct_${'A'.repeat(43)}`;
    await recordAudit(junctionDb.db, {
      actor: 'token:test',
      action: 'connection.create',
      subjectType: 'connection',
      subjectId: 'con_1',
      data: {
        after: { name: 'prod', settings: { password: secret, client_secret: secret } },
        note: `made with ${apiToken}`,
      },
    });
    const { rows } = await superuser.query(
      `select count(*)::int as n from audit_entries
       where audit_entries::text like '%' || $1 || '%' or audit_entries::text like '%' || $2 || '%'`,
      [secret, apiToken],
    );
    expect(rows[0].n).toBe(0);
  });
});
