import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordAudit, sealAuditEntries, verifyAuditChain } from '../../core/src/audit/index.js';
import { createDatabase, type JunctionDatabase } from '../../core/src/db/create-database.js';
import { grantRuntimeRole } from '../../core/src/db/grant-runtime-role.js';
import { apiOf } from '../support/api.js';
import { repoRoot, startNode } from '../support/child-process.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

/**
 * Junction's processes connect as a runtime role granted by `grantRuntimeRole` (what
 * `junction migrate --grant <role>` runs); the test database's superuser stands for the owner.
 */
let testDb: TestDatabase;
let owner: pg.Pool;
let runtime: JunctionDatabase;
let t: TestJunction;
const role = `junction_runtime_${randomBytes(4).toString('hex')}`;
const password = randomBytes(12).toString('hex');

function asRole(url: string, user: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  testDb = await createTestDatabase();
  owner = new pg.Pool({ connectionString: testDb.url, max: 2 });
  await owner.query(`create role ${role} login password '${password}'`);
  await grantRuntimeRole(owner, role);
  const runtimeUrl = asRole(testDb.url, role);
  runtime = createDatabase(runtimeUrl, 2);
  t = await startTestJunction({ DATABASE_URL: runtimeUrl });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await runtime?.close();
  await owner?.end();
  await testDb?.drop();
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  await admin.query(`drop role if exists ${role}`).finally(() => admin.end());
});

async function auditSnapshot(): Promise<unknown[]> {
  const { rows } = await owner.query('select * from audit_entries order by id');
  return rows;
}

describe('Junction works under the runtime role', () => {
  it('configures, ingests, runs, audits and seals a chain that verifies', async () => {
    const api = apiOf(t);
    const hook = await api.post('/v1/connections', {
      name: 'Incoming',
      connector: 'http',
      credentials: { authKind: 'none' },
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const created = await api.post('/v1/integrations', {
      name: 'Least privilege',
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: hook.body.id,
        settings: { signatureScheme: 'none' },
        recordKey: 'body.id',
      },
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'any', when: true }] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
      'if-match': created.headers.get('etag') ?? '',
    });
    const sent = await fetch(`${t.url}${enabled.body.webhookPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'lp-1' }),
    });
    expect(sent.status).toBe(202);
    await until(async () => {
      const runs = await api.get(`/v1/runs?integration=${created.body.id}`);
      return runs.body.data?.[0]?.state === 'succeeded' ? true : undefined;
    });
    await until(async () => {
      const v = await verifyAuditChain(runtime.db);
      return v.unsealed === 0 && v.checked >= 3 ? v : undefined;
    });
    expect(await verifyAuditChain(runtime.db)).toMatchObject({ ok: true, unsealed: 0 });
  });
});

describe('the runtime role cannot forge or erase the trail, nor change the schema', () => {
  beforeAll(async () => {
    await recordAudit(runtime.db, {
      actor: 'system',
      action: 'test.sealed',
      subjectType: 'test',
      subjectId: 'sealed',
      at: new Date(Date.now() - 400 * 86_400_000),
      data: { body: 'kept' },
    });
    await sealAuditEntries(runtime.db);
  });

  const refused: [string, string][] = [
    [
      'an INSERT bringing well-formed hashes and a place in the chain',
      `insert into audit_entries (actor, action, subject_type, subject_id, body_hash, content_hash, seq, prev_hash, hash, sealed_at)
       values ('token:admin', 'token.create', 'token', 'tok_x', sha256('a'), sha256('b'), 999999, sha256('c'), sha256('d'), now())`,
    ],
    [
      'an INSERT bringing its own content hash',
      `insert into audit_entries (actor, action, subject_type, subject_id, content_hash)
       values ('token:admin', 'token.create', 'token', 'tok_x', sha256('b'))`,
    ],
    ['an UPDATE of an entry', `update audit_entries set actor = 'someone else'`],
    [
      'an UPDATE erasing bodies while retention is not configured',
      'update audit_entries set data = null, body_dropped_at = now() where seq is not null',
    ],
    ['a DELETE', 'delete from audit_entries'],
    ['a TRUNCATE', 'truncate audit_entries'],
    ['disabling the audit triggers', 'alter table audit_entries disable trigger user'],
    ['disabling every trigger', 'alter table audit_entries disable trigger all'],
    ['turning triggers off for the session', "set session_replication_role = 'replica'"],
    ['dropping a table', 'drop table runs'],
    ['altering a table', 'alter table api_tokens add column planted text'],
    ['creating a table', 'create table planted (id int)'],
    ['configuring retention itself', 'update audit_policy set retention_days = 1'],
    ['rewriting the migration records', 'delete from kysely_migration'],
  ];

  it.each(refused)('refuses %s, and nothing changes', async (_name, statement) => {
    const before = await auditSnapshot();
    const tables = await owner.query(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    await expect(sql.raw(statement).execute(runtime.db)).rejects.toThrow(
      /permission denied|must be owner|append-only|without hashes|owner of/,
    );
    expect(await auditSnapshot()).toEqual(before);
    const after = await owner.query(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(after.rows).toEqual(tables.rows);
    const policy = await owner.query('select retention_days from audit_policy');
    expect(policy.rows).toEqual([{ retention_days: null }]);
  });

  it('verify flags an entry sealed with a hash the sealer did not compute', async () => {
    await sealAuditEntries(runtime.db);
    expect((await verifyAuditChain(runtime.db)).ok).toBe(true);
    // A plain INSERT without hashes is what Junction itself writes; sealing it by hand with a
    // forged content hash (the one transition the guard allows) is caught by verify.
    const head = await owner.query(
      'select seq, hash from audit_entries where seq is not null order by seq desc limit 1',
    );
    const seq = Number(head.rows[0].seq) + 1;
    // In one transaction, so that Junction's own sealer never sees the row unsealed.
    await runtime.db.transaction().execute(async (trx) => {
      await sql`
        insert into audit_entries (actor, action, subject_type, subject_id, data)
        values ('token:admin', 'token.create', 'token', 'tok_forged', '{"role":"admin"}')`.execute(
        trx,
      );
      await sql`
        update audit_entries set seq = ${seq}, prev_hash = ${head.rows[0].hash},
          hash = sha256('forged'), content_hash = sha256('forged'), body_hash = sha256('forged'),
          sealed_at = now()
        where subject_id = 'tok_forged'`.execute(trx);
    });
    const result = await verifyAuditChain(runtime.db);
    expect(result.ok).toBe(false);
    expect(result.brokenLink).toMatchObject({ seq });
  });
});

describe('junction migrate --grant <role>', () => {
  async function migrateCli(args: string[]) {
    const child = startNode([path.join(repoRoot, 'core/dist/cli/main.js'), 'migrate', ...args], {
      DATABASE_URL: testDb.url,
    });
    const { code } = await child.exited(60_000);
    return { code, output: child.output() };
  }

  it('grants a runtime role after migrating, and says so', async () => {
    const granted = await migrateCli(['--grant', role]);
    expect(granted).toEqual({
      code: 0,
      output: `The database is up to date.\nGranted "${role}" what Junction's processes need; set DATABASE_URL to connect as it.\n`,
    });
    const { rows } = await owner.query(
      `select has_table_privilege($1, 'audit_entries', 'delete') as del,
              has_table_privilege($1, 'audit_entries', 'insert') as ins,
              has_table_privilege($1, 'runs', 'update') as upd`,
      [role],
    );
    expect(rows).toEqual([{ del: false, ins: true, upd: true }]);
  });

  it('refuses a superuser as the runtime role', async () => {
    const { rows } = await owner.query('select current_user as me');
    const refused = await migrateCli(['--grant', rows[0].me]);
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('must not be one');
  });
});
