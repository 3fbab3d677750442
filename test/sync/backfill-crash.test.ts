import { describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { until } from '../support/until.js';
import { useBulkCrash } from './bulk-crash-support.js';
import { createSync, crmErpSync, finished } from './bulk-support.js';
import { maria, mariadbAvailable, useSyncJunction } from './sync-support.js';

const RECORDS = 3_000;
// This process only serves the API; the backfill runs in worker processes.
const available = await mariadbAvailable();
const s = useSyncJunction({ JUNCTION_ROLE: 'api' });
const { crm, erp, startWorker } = useBulkCrash(s, {
  available,
  name: 'bx',
  records: RECORDS,
  pageSize: 100,
});

describe.skipIf(!available)('a backfill whose worker is killed', () => {
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
    // Best when a batch has reached the ERP but its page has not committed (the ERP then holds more
    // rows than the backfill has read): the resume must find those records by their emails. The
    // pipeline is in that state most of the time; after 1,500 records read any batch will do.
    await until(async () => {
      const { rows } = await pool.query(sending, [started.body.id]);
      if (!rows[0]?.sending || rows[0].done < 500) return false;
      const erpRows = Number((await maria(`select count(*) as n from ${erp}`))[0]?.n);
      return erpRows > rows[0].done || rows[0].done >= 1_500;
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
