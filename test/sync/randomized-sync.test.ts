import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { seededRandom, testSeed } from '../support/seeded-random.js';
import { until } from '../support/until.js';
import { checkAgreement } from './sync-agreement.js';
import { planSteps, runSteps, type SyncTables } from './sync-operations.js';
import { MARIADB, mariadbAvailable, tableName, useSyncJunction } from './sync-support.js';
import { createWorkerFleet, type WorkerFleet } from './sync-worker-fleet.js';

// Worker processes run the built dist: `npx tsc -b` first.
const available = await mariadbAvailable();
// This process serves the API only: the sync runs in the worker processes the test kills.
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
const seed = testSeed(process.env.JUNCTION_SYNC_SEED);
const STEPS = Number(process.env.JUNCTION_SYNC_STEPS ?? 160);
const FAULT_RATE = Number(process.env.JUNCTION_SYNC_FAULT_RATE ?? 0.05);
const POLICIES = ['park', 'newest_wins', 'a_wins', 'b_wins'] as const;
const WRITES = ['create', 'update', 'delete', 'archive'].map((op) => `sync.record.${op}`);

const held: { fleet?: WorkerFleet; dataDir?: string; tables?: SyncTables } = {};
afterAll(async () => {
  await held.fleet?.stopAll(5_000);
  await held.tables?.crm.end();
  await held.tables?.erp.end();
  if (held.dataDir) await rm(held.dataDir, { recursive: true, force: true });
});

describe.skipIf(!available)(
  'a randomized two-way sync (seeded; JUNCTION_SYNC_SEED repeats it)',
  () => {
    it('ends with both sides equal, nothing duplicated, writes stopped and every conflict resolved or parked, through edits on both sides, SIGKILLed workers and 429/503 faults', async () => {
      console.info(`randomized sync: seed ${seed} (JUNCTION_SYNC_SEED=${seed} runs it again)`);
      const next = seededRandom(seed);
      const policy =
        (process.env.JUNCTION_SYNC_POLICY as (typeof POLICIES)[number] | undefined) ??
        (POLICIES[Math.floor(next() * POLICIES.length)] as (typeof POLICIES)[number]);
      const steps = planSteps(next, STEPS, String(seed));
      const kills = seededRandom(seed ^ 0x5bd1e995);
      const pool = s.t.junction.database.pool;
      const api = apiOf(s.t);

      const crmTable = tableName('crm');
      const erpTable = tableName('erp');
      await s.pg(`create table ${crmTable} (id serial primary key, email text not null,
      full_name text, phone text, updated_at timestamptz not null default now())`);
      const erp = mysql.createPool({ ...MARIADB, connectionLimit: 3 });
      await erp.query(`create table ${erpTable} (id int auto_increment primary key,
      email varchar(200) not null, name varchar(200), phone varchar(50),
      updated_at timestamp(3) not null default current_timestamp(3) on update current_timestamp(3))`);
      const tables: SyncTables = {
        crm: new pg.Pool({ connectionString: s.crm.url, max: 3 }),
        erp,
        crmTable,
        erpTable,
      };
      held.tables = tables;

      const created = await api.post('/v1/syncs', syncDefinition(crmTable, erpTable, policy));
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const syncId = created.body.id as string;
      // Both tables are empty: no backfill (it would hold change detection off while its
      // attempts meet the injected faults).
      const enabled = await api.post(
        `/v1/syncs/${syncId}/enable`,
        { backfill: false },
        {
          'if-match': created.headers.get('etag') as string,
        },
      );
      expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);

      held.dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-sync-'));
      const fleet = createWorkerFleet({
        databaseUrl: s.t.database.url,
        dataDir: held.dataDir,
        seed,
      });
      held.fleet = fleet;
      await Promise.all(
        [fleet.start(FAULT_RATE), fleet.start(FAULT_RATE)].map((w) =>
          w.waitFor(/ready \d+/, 90_000),
        ),
      );

      // The edits, while a worker is killed (and another started) every 1.5 to 5 s.
      const started = Date.now();
      const editing = new AbortController();
      const killing = (async () => {
        while (!editing.signal.aborted) {
          const wait = 1_500 + kills() * 3_500;
          if (!(await pause(wait, true, { signal: editing.signal }).catch(() => false))) break;
          await fleet.kill(Math.floor(kills() * 2));
          // The next wait starts once the replacement works: a worker is at work most of the time.
          await fleet.start(FAULT_RATE).waitFor(/ready \d+/, 90_000);
        }
      })();
      const counts = await runSteps(tables, steps);
      editing.abort();
      await killing;
      const editMs = Date.now() - started;

      // Quiet: the faulty workers are killed where they stand; one without faults carries on.
      while (fleet.running > 0) await fleet.kill(0);
      await fleet.start(0).waitFor(/ready \d+/, 90_000);
      const fail = (what: string) => async (error: unknown) => {
        const job = await pool.query(
          'select attempts, max_attempts, run_at, locked_by, last_error from graphile_worker.jobs where key = $1',
          [`sync:${syncId}`],
        );
        throw new Error(
          `${what}: ${(error as Error).message}\nthe sync's job: ${JSON.stringify(job.rows)}\n${fleet.tails()}`,
        );
      };
      const quiet = await quiesce(pool, syncId, tables).catch(fail('the sync did not quiesce'));
      const auditBefore = await syncAudit(pool, syncId);

      // Parked conflicts: each resolved through the API, taking a side drawn from the seed (one
      // whose record was deleted on a side meanwhile closes by the delete policy).
      const parked = await openConflicts(api, syncId);
      const outcomes: Record<string, number> = {};
      for (const conflict of parked) {
        const take = next() < 0.5 ? 'a' : 'b';
        const resolved = await api.post(`/v1/syncs/${syncId}/conflicts/${conflict.id}/resolve`, {
          take,
        });
        expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
        const outcome = String(resolved.body.resolution?.outcome ?? `take ${take}`);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      }
      if (parked.length > 0)
        await quiesce(pool, syncId, tables).catch(fail('the sync did not quiesce after resolving'));

      const agreement = await checkAgreement(pool, syncId, tables);
      const audit = await syncAudit(pool, syncId);
      const fleetFigures = fleet.figures();
      const writes = WRITES.reduce((n, action) => n + (audit[action] ?? 0), 0);
      const applied = sum(counts, '', '.applied');
      console.info(
        [
          `randomized sync seed=${seed}: policy ${policy}, ${STEPS} steps in ${editMs} ms, then quiet after ${quiet.ticks} runs (${quiet.ms} ms)`,
          `  operations: ${JSON.stringify(counts)}`,
          `  workers: ${fleetFigures.started} started, ${fleetFigures.killed} killed with SIGKILL; faults injected ${JSON.stringify(fleetFigures.faults)}`,
          `  writes (audited): ${writes} ${JSON.stringify(audit)}`,
          `  sync runs logged (killed runs' lines may be lost): ${JSON.stringify(fleetFigures.outcomes)}`,
          `  conflicts: ${counts['conflict.applied'] ?? 0} injected on both sides, ${auditBefore['sync.conflict.park'] ?? 0} parked (resolved through the API: ${JSON.stringify(outcomes)}), ${auditBefore['sync.conflict.resolve'] ?? 0} resolved by the policy`,
          `  rows: ${JSON.stringify(agreement.rows)}, links ${JSON.stringify(agreement.links)}, flagged for a person: ${JSON.stringify(agreement.flagged)}, parked: ${JSON.stringify(agreement.parked)}`,
        ].join('\n'),
      );

      expect(agreement.problems).toEqual([]);
      expect(await openConflicts(api, syncId)).toEqual([]);
      expect(agreement.parked).toEqual([]);
      // No write loop: quiet means two whole runs with no write; writes stay within the edits'.
      expect(writes).toBeLessThanOrEqual(2 * applied + parked.length * 2);
      if ((counts['conflict.applied'] ?? 0) >= 3)
        expect(
          (auditBefore['sync.conflict.park'] ?? 0) + (auditBefore['sync.conflict.resolve'] ?? 0),
        ).toBeGreaterThan(0);
    }, 420_000);
  },
);

/** The sync under test: CRM contacts (A) <-> ERP customers (B), deletes carried over. */
function syncDefinition(crm: string, erp: string, policy: string) {
  const side = (connector: string, connection: string, table: string) => ({
    connector,
    connection,
    recordType: 'table_row',
    settings: { table, keyColumn: 'id', modifiedAtColumn: 'updated_at' },
  });
  const values = (pairs: [string, string][]) => ({
    values: { object: pairs.map(([to, from]) => [to, { var: `record.values.${from}` }]) },
  });
  return {
    name: `randomized ${crm}`,
    a: side('postgres', s.pgConnection, crm),
    b: side('mysql', s.mysqlConnection, erp),
    direction: 'both',
    mappings: {
      aToB: values([
        ['email', 'email'],
        ['name', 'full_name'],
        ['phone', 'phone'],
      ]),
      bToA: values([
        ['email', 'email'],
        ['full_name', 'name'],
        ['phone', 'phone'],
      ]),
    },
    match: { a: 'values.email', b: 'values.email' },
    conflict: { policy },
    deletes: { policy: 'delete' },
    intervalSeconds: 1,
    deleteScanSeconds: 2,
  };
}

/**
 * Waits until two whole sync runs (both sides read and scanned for deletes after they began)
 * change nothing: no audited sync entry, no row of either table. Bounded at 120 s.
 */
async function quiesce(pool: pg.Pool, syncId: string, tables: SyncTables) {
  const started = Date.now();
  const deadline = started + 120_000;
  const state = async () =>
    JSON.stringify([await syncAudit(pool, syncId), await checkAgreement(pool, syncId, tables)]);
  let last = await state();
  let stable = 0;
  let ticks = 0;
  while (stable < 2) {
    const [{ now }] = (await pool.query('select now()')).rows;
    await until(async () => {
      const { rows } = await pool.query(
        `select count(*)::int as n from sync_cursors where sync_id = $1 and updated_at > $2 and scanned_at > $2`,
        [syncId, now],
      );
      return rows[0].n === 2;
    }, deadline - Date.now());
    ticks += 1;
    const current = await state();
    stable = current === last ? stable + 1 : 0;
    last = current;
  }
  return { ticks, ms: Date.now() - started };
}

/** The sync's audit entries by action. */
async function syncAudit(pool: pg.Pool, syncId: string): Promise<Record<string, number>> {
  const { rows } = await pool.query(
    `select action, count(*)::int as n from audit_entries
     where subject_id = $1 and action like 'sync.%' group by action order by action`,
    [syncId],
  );
  return Object.fromEntries(rows.map((r) => [r.action, r.n]));
}

async function openConflicts(api: ReturnType<typeof apiOf>, syncId: string) {
  const open: { id: string }[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.get(
      `/v1/syncs/${syncId}/conflicts?state=open&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(page.status, JSON.stringify(page.body)).toBe(200);
    open.push(...page.body.data);
    cursor = page.body.nextCursor ?? null;
  } while (cursor);
  return open;
}

const sum = (counts: Record<string, number>, prefix: string, suffix = '') =>
  Object.entries(counts)
    .filter(([k]) => k.startsWith(prefix) && k.endsWith(suffix))
    .reduce((n, [, v]) => n + v, 0);
