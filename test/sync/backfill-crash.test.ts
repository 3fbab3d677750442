import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { TEST_SECRET_KEY } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { createErpTable, createSync, crmErpSync, crmTableSql, finished } from './bulk-support.js';
import { maria, tableName, useSyncJunction } from './sync-support.js';

// Worker processes run the built dist: `npx tsc -b` first.
const script = path.join(repoRoot, 'test/fixtures/worker-process.mjs');
const RECORDS = 3_000;
// This process only serves the API; the backfill runs in worker processes.
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
const crm = tableName('bx_crm');
const erp = tableName('bx_erp');
const children: Child[] = [];
let dataDir: string;

function startWorker(): Child {
  const child = startNode([script], {
    DATABASE_URL: s.t.database.url,
    JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
    JUNCTION_DATA_DIR: dataDir,
    JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    JUNCTION_WORKER_HEARTBEAT_MS: '200',
    JUNCTION_WORKER_REAP_INTERVAL_MS: '300',
    JUNCTION_WORKER_DEAD_AFTER_MS: '1500',
    JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
    JUNCTION_DB_POOL_SIZE: '5',
    JUNCTION_SYNC_PAGE_SIZE: '100',
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-backfill-crash-'));
  await s.pg(crmTableSql(crm));
  await createErpTable(erp);
  await s.pg(
    `insert into ${crm} (email, full_name) select 'k' || g || '@example.com', 'Kept ' || g
     from generate_series(1, $1::int) g`,
    [RECORDS],
  );
});
afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.allSettled(children.map((c) => c.exited(10_000)));
  await maria(`drop table if exists ${erp}`);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a backfill whose worker is killed', () => {
  it('resumes from its cursor in another worker and creates every record exactly once', async () => {
    const api = apiOf(s.t);
    const id = await createSync(
      api,
      crmErpSync({ pg: s.pgConnection, mysql: s.mysqlConnection }, { crm, erp }),
    );
    const first = startWorker();
    await first.waitFor(/ready/, 60_000);
    const started = await api.post(`/v1/syncs/${id}/backfill`);
    expect(started.status).toBe(202);
    const pool = s.t.junction.database.pool;
    // Killed while a create batch is in flight, a few pages in.
    const sending = `select done::int as done,
        exists (select from sync_backfill_batches where backfill_id = b.id) as sending
      from sync_backfills b where id = $1`;
    await until(async () => {
      const { rows } = await pool.query(sending, [started.body.id]);
      return rows[0]?.sending && rows[0].done >= 500;
    }, 60_000);
    first.process.kill('SIGKILL');
    expect((await first.exited(10_000)).signal).toBe('SIGKILL');
    const { rows: atKill } = await pool.query(sending, [started.body.id]);
    const { rows: state } = await pool.query('select state from sync_backfills where id = $1', [
      started.body.id,
    ]);
    expect(state[0]).toMatchObject({ state: 'running' });
    const erpAtKill = Number((await maria(`select count(*) as n from ${erp}`))[0]?.n);

    const second = startWorker();
    await second.waitFor(/ready/, 60_000);
    const done = await finished(api, `/v1/syncs/${id}/backfills/${started.body.id}`, 120_000);
    console.info(
      `backfill killed at ${atKill[0].done} records read (batch in flight: ${atKill[0].sending}, ${erpAtKill} ERP rows), resumed:`,
      JSON.stringify({ created: done.created, linked: done.linked, resumed: done.resumed }),
    );
    expect(done).toMatchObject({ state: 'succeeded', flagged: 0, skipped: 0 });
    expect(done.resumed).toBeGreaterThanOrEqual(1);
    // Every contact is in the ERP once: the batch in flight was found by its emails, not re-sent.
    const [erpRows] = await maria(
      `select count(*) as n, count(distinct email) as emails from ${erp}`,
    );
    expect({ n: Number(erpRows?.n), emails: Number(erpRows?.emails) }).toEqual({
      n: RECORDS,
      emails: RECORDS,
    });
    expect(done.created.b + done.linked).toBe(RECORDS);
    const { rows: links } = await pool.query(
      `select count(*)::int as n, count(distinct b_key)::int as b from sync_links
       where sync_id = $1 and state = 'active'`,
      [id],
    );
    expect(links[0]).toEqual({ n: RECORDS, b: RECORDS });
    second.process.kill('SIGTERM');
    expect((await second.exited(15_000)).code).toBe(0);
  }, 240_000);
});
