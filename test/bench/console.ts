import pg from 'pg';
import { BENCH_ADMIN_TOKEN } from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { startBenchJunction } from './support/junction-env.js';
import { benchSync, seedConsoleSyncs } from './support/seed-console-syncs.js';

const runs = 10_000;
/** Open review items (one per waiting run), the queue size the console must stay fast with. */
const reviewItems = 1_000;
const requestsPerPage = 200;

/**
 * Console pages with 10,000 runs in the database (20 integrations, 1 in 20 runs dead), 1,000
 * open review items (1 in 10 runs waiting for one, a quarter past their SLA) and a sync with
 * 10,000 links, 1,000 open conflicts and a 10,000-item drift report, served by a
 * Junction process: each page requested 200 times one after another with a signed-in session,
 * answered latency p50 and p99 per page (the time to the whole HTML). About a minute.
 */
export async function runConsoleBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const url = await postgres.createDatabase('console', { migrated: true });
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    let laterPageAfter = '';
    try {
      await pool.query(`insert into integrations (id, name, enabled, current_version, created_by)
        select 'int_' || n, 'Integration ' || n, true, 1, 'bench' from generate_series(1, 20) n`);
      await pool.query(`insert into integration_versions (integration_id, version, definition, created_by)
        select 'int_' || n, 1, '{"name":"bench","trigger":{},"routes":[]}', 'bench' from generate_series(1, 20) n`);
      await pool.query(
        `insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
           select 'ev_' || n, 'int_' || (n % 20 + 1), 1, 'd' || n, 'r' || n, '{"name":"x"}'
             from generate_series(1, $1::int) n`,
        [runs],
      );
      await pool.query(
        `insert into runs (id, event_id, integration_id, integration_version, source_record, state,
                           max_attempts, created_at)
           select 'run_' || lpad(n::text, 6, '0'), 'ev_' || n, 'int_' || (n % 20 + 1), 1, 'r' || n,
                  case when n % 20 = 0 then 'dead' when n % 10 = 1 then 'waiting'
                       else 'succeeded' end, 3,
                  now() - make_interval(secs => ($1::int - n) * 8)
             from generate_series(1, $1::int) n order by n`,
        [runs],
      );
      await pool.query(
        `insert into review_items (id, run_id, integration_id, route_key, step_key, reason,
                                   confidence, proposal, source, current_record, diff, state,
                                   sla_due_at, created_at)
           select 'rev_' || lpad(n::text, 6, '0'), 'run_' || lpad(n::text, 6, '0'),
                  'int_' || (n % 20 + 1), 'all', 'write', 'gate', 0.5,
                  '{"number":"INV-1","amount":120}', '{"event":{"amount":120}}',
                  '{"number":"INV-1","amount":90}',
                  '[{"pointer":"/amount","current":90,"proposed":120}]', 'open',
                  now() + make_interval(hours => case when n % 4 = 1 then -1 else 4 end),
                  now() - make_interval(secs => ($1::int - n) * 8)
             from generate_series(1, $1::int) n where n % 10 = 1 order by n`,
        [runs],
      );
      const { rows } = await pool.query('select count(*)::int as n from review_items');
      if (rows[0].n !== reviewItems) throw new Error(`seeded ${rows[0].n} review items`);
      ({ laterPageAfter } = await seedConsoleSyncs(pool));
      await pool.query('analyze');
    } finally {
      await pool.end();
    }
    const junction = await startBenchJunction(url, { LOG_LEVEL: 'warn' });
    try {
      const signIn = await fetch(`${junction.url}/console/sign-in`, {
        method: 'POST',
        body: new URLSearchParams({ token: BENCH_ADMIN_TOKEN }),
        redirect: 'manual',
      });
      const cookie = (signIn.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
      const pages: Record<string, string> = {
        overview: '/console',
        runs: '/console/runs',
        runsDead: '/console/runs?state=dead',
        runsOfIntegration: '/console/runs?integration=int_7',
        runsOlderPage: '/console/runs?cursor=5000',
        runsByRecord: '/console/runs?record=r4242',
        run: '/console/runs/run_004242',
        integration: '/console/integrations/int_7',
        reviews: '/console/reviews',
        reviewsBreached: '/console/reviews?sla=breached',
        reviewsOfIntegration: '/console/reviews?integration=int_12',
        reviewsLaterPage: '/console/reviews?cursor=500',
        reviewItem: '/console/reviews/rev_004241',
        connections: '/console/connections',
        plugins: '/console/plugins',
        syncs: '/console/syncs',
        sync: `/console/syncs/${benchSync.id}`,
        syncRunsRefresh: `/console/syncs/${benchSync.id}/runs`,
        syncConflict: `/console/syncs/${benchSync.id}/conflicts/scf_000500`,
        reconciliation: `/console/syncs/${benchSync.id}/reconciliations/src_bench`,
        reconciliationLaterPage: `/console/syncs/${benchSync.id}/reconciliations/src_bench?after=${laterPageAfter}`,
      };
      const figures: Record<string, unknown> = {};
      for (const [name, path] of Object.entries(pages)) {
        const times: number[] = [];
        for (let i = 0; i < requestsPerPage; i++) {
          const started = performance.now();
          const res = await fetch(`${junction.url}${path}`, { headers: { cookie } });
          await res.text();
          if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
          times.push(performance.now() - started);
        }
        times.sort((a, b) => a - b);
        const at = (q: number) =>
          Number(
            (times[Math.min(times.length - 1, Math.floor(q * times.length))] as number).toFixed(1),
          );
        figures[name] = { p50Ms: at(0.5), p99Ms: at(0.99) };
      }
      return {
        server: postgres.server,
        runs,
        reviewItems,
        sync: benchSync,
        requestsPerPage,
        pages: figures,
      };
    } finally {
      await junction.stop();
    }
  } finally {
    await postgres.close();
  }
}
