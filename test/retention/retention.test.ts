import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleRetention } from '../../core/src/retention/index.js';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { createIntegrationRows } from '../support/create-integration-rows.js';
import { seedGrownDatabase } from '../support/grown-database.js';
import { createRelayIntegration, startSlowTarget } from '../support/relay-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

/**
 * Retention on a database with two months of history: the scheduled job deletes exactly the
 * succeeded and cancelled runs past their integration's retention (with their steps, waits,
 * review items and events), and nothing else, while webhooks keep being accepted.
 */
let t: TestJunction;
let target: Awaited<ReturnType<typeof startSlowTarget>>;
const ROWS = 20_000;

beforeAll(async () => {
  target = await startSlowTarget(0);
  t = await startTestJunction({
    JUNCTION_RETENTION_DAYS: '30',
    JUNCTION_RETENTION_INTERVAL_MS: '3600000',
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await target?.close();
});

const query = async <R>(text: string, values: unknown[] = []) =>
  (await t.junction.database.pool.query(text, values)).rows as R[];
const ids = async (text: string) => new Set((await query<{ id: string }>(text)).map((r) => r.id));

describe('retention', () => {
  it('deletes exactly the expired runs, steps and events, never an unresolved run, a live link or audit, while webhooks are accepted', async () => {
    const api = apiOf(t);
    const webhookPath = await createRelayIntegration(api, target.url);
    // ret_a keeps runs 30 days (the default), ret_b 10 (its definition).
    await createIntegrationRows(t.junction.database.pool, 'ret_a');
    await createIntegrationRows(t.junction.database.pool, 'ret_b');
    await query(
      `update integration_versions set definition = '{"retention": {"days": 10}}' where integration_id = 'ret_b'`,
    );
    const client = await t.junction.database.pool.connect();
    try {
      await seedGrownDatabase(client, { rows: ROWS, integrations: ['ret_a', 'ret_b'], days: 60 });
    } finally {
      client.release();
    }
    const cutoffs = `(values ('ret_a', now() - interval '30 days'), ('ret_b', now() - interval '10 days')) c(integration_id, cutoff)`;
    // No row within an hour of its cutoff: the test does not race the clock.
    await query(
      `update runs r set finished_at = r.finished_at - interval '2 hours' from ${cutoffs}
       where c.integration_id = r.integration_id and r.finished_at between c.cutoff - interval '1 hour' and c.cutoff + interval '1 hour'`,
    );
    // Expired but kept: a run that was replayed and its replay; a dead run holding its lane.
    await query(`insert into runs (id, event_id, integration_id, integration_version, source_record, state,
                   max_attempts, replay_of, created_at, finished_at)
      select 'run_replay_' || r.id, r.event_id, r.integration_id, 1, r.source_record, 'succeeded', 5, r.id,
             r.created_at, r.finished_at
      from runs r where r.id in (select id from runs where state = 'succeeded' and integration_id = 'ret_a' order by seq limit 1)
         or r.id in (select id from runs where state = 'dead' and integration_id = 'ret_b' order by seq limit 1)`);
    await query(
      `update runs set holds_lane = true where id = (select id from runs where state = 'dead' and integration_id = 'ret_a' order by seq limit 1)`,
    );
    // An expired run whose event is its record link's last applied event: the run goes, the
    // event stays.
    const [linked] = await query<{ id: string; event_id: string }>(
      `select r.id, r.event_id from runs r where r.state = 'succeeded' and r.integration_id = 'ret_b'
         and r.replay_of is null and not exists (select 1 from runs n where n.replay_of = r.id)
       order by r.seq offset 10 limit 1`,
    );
    await query(
      `update record_links l set event_id = r.event_id from runs r
       where r.id = $1 and l.integration_id = r.integration_id and l.source_id = r.source_record`,
      [linked?.id],
    );

    const expiredRuns =
      await ids(`select r.id from runs r join ${cutoffs} on c.integration_id = r.integration_id
      where r.state in ('succeeded', 'cancelled') and r.finished_at < c.cutoff and r.replay_of is null
        and not r.holds_lane and not exists (select 1 from runs n where n.replay_of = r.id)`);
    expect(expiredRuns.size).toBeGreaterThan(ROWS / 3);
    expect(expiredRuns.has(linked?.id as string)).toBe(true);
    const runsBefore = await ids('select id from runs');
    const eventsBefore = await ids('select id from events');
    const unresolved = await ids(
      `select id from runs where state not in ('succeeded', 'cancelled') or replay_of is not null or holds_lane`,
    );
    expect(unresolved.size).toBeGreaterThan(20);
    const linksBefore = await query<{ n: number; h: string }>(
      `select count(*)::int as n, md5(string_agg(integration_id || source_id || step_key || coalesce(event_id, ''), ',' order by integration_id, source_id, step_key)) as h from record_links where integration_id in ('ret_a', 'ret_b')`,
    );
    // (The sealer may seal entries meanwhile, computing their hashes: their content and bodies
    // are what must stay.)
    const auditBefore = await query(
      'select id, actor, action, subject_id, data from audit_entries order by id',
    );
    // (Seeded pending and waiting runs may move on meanwhile: the lane and wait sweepers run.)
    const keptRows = async (table: string) =>
      ids(`select ${table === 'run_steps' ? 'id::text' : 'id'} as id from ${table}
           where run_id <> all('{${[...expiredRuns].join(',')}}'::text[])`);
    const stepsKept = await keptRows('run_steps');
    const waitsKept = await keptRows('run_waits');
    const reviewsKept = await keptRows('review_items');

    // Webhooks keep coming while the job deletes.
    let posting = true;
    const answers: number[] = [];
    const poster = (async () => {
      for (let i = 0; posting || i < 20; i++) {
        const res = await fetch(`${t.url}${webhookPath}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `live-${i}` }),
        });
        answers.push(res.status);
        await res.text();
      }
    })();
    await scheduleRetention(t.junction.database.db, 0, 'replace');
    const metric = async (table: string) => {
      const text = await (await fetch(`${t.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`junction_retention_deleted_total{table="${table}"}`));
      return line === undefined ? 0 : Number(line.split(' ')[1]);
    };
    await until(async () => (await metric('runs')) >= expiredRuns.size, 120_000);
    posting = false;
    await poster;
    expect(answers.length).toBeGreaterThanOrEqual(20);
    expect(answers.every((s) => s === 202)).toBe(true);

    // Exactly the expired runs are gone; the webhooks' runs are all there and finish.
    const runsAfter = await ids(
      `select id from runs where id not like 'run\\_0000%' escape '\\' and id not like 'run_replay_%'`,
    );
    const seededAfter = await ids(
      `select id from runs where id like 'run\\_0000%' escape '\\' or id like 'run_replay_%'`,
    );
    expect(
      [...runsBefore].filter((id) => !seededAfter.has(id) && !runsAfter.has(id)).sort(),
    ).toEqual([...expiredRuns].sort());
    for (const id of unresolved) expect(seededAfter.has(id)).toBe(true);
    expect(runsAfter.size).toBeGreaterThanOrEqual(answers.length);
    await until(async () => {
      const [row] = await query<{ n: number }>(
        `select count(*)::int as n from runs where integration_id not in ('ret_a', 'ret_b') and state = 'succeeded'`,
      );
      return (row?.n ?? 0) >= answers.length;
    }, 60_000);

    // Their events went with them, except the one a record link points at.
    const eventsAfter = await ids('select id from events');
    const expiredEvents = await query<{ id: string }>(
      `select distinct 'evt_' || substr(id, 5) as id from unnest($1::text[]) id`,
      [[...expiredRuns]],
    );
    for (const { id } of expiredEvents) expect(eventsAfter.has(id)).toBe(id === linked?.event_id);
    const [gone] = await query<{ n: number }>(
      `select count(*)::int as n from unnest($1::text[]) e(id) where not exists (select 1 from events v where v.id = e.id)`,
      [[...eventsBefore]],
    );
    expect(gone?.n).toBe(expiredRuns.size - 1);

    // Steps, waits and review items of the expired runs only.
    const [left] = await query<{ steps: number; waits: number; reviews: number }>(
      `select (select count(*)::int from run_steps where run_id = any($1::text[])) as steps,
              (select count(*)::int from run_waits where run_id = any($1::text[])) as waits,
              (select count(*)::int from review_items where run_id = any($1::text[])) as reviews`,
      [[...expiredRuns]],
    );
    expect(left).toEqual({ steps: 0, waits: 0, reviews: 0 });
    const stepsNow = await keptRows('run_steps');
    const waitsNow = await keptRows('run_waits');
    const reviewsNow = await keptRows('review_items');
    expect([...stepsKept].filter((id) => !stepsNow.has(id))).toEqual([]);
    expect([...waitsKept].filter((id) => !waitsNow.has(id))).toEqual([]);
    expect([...reviewsKept].filter((id) => !reviewsNow.has(id))).toEqual([]);
    expect(waitsKept.size).toBeGreaterThan(0);

    // Record links and the audit trail are untouched (the new webhooks' entries come after).
    expect(
      await query(
        `select count(*)::int as n, md5(string_agg(integration_id || source_id || step_key || coalesce(event_id, ''), ',' order by integration_id, source_id, step_key)) as h from record_links where integration_id in ('ret_a', 'ret_b')`,
      ),
    ).toEqual(linksBefore);
    const auditAfter = await query(
      'select id, actor, action, subject_id, data from audit_entries where id <= $1 order by id',
      [auditBefore.length === 0 ? 0 : (auditBefore[auditBefore.length - 1] as { id: string }).id],
    );
    expect(auditAfter).toEqual(auditBefore);

    // Counted in /metrics, and the job is scheduled again.
    expect(await metric('runs')).toBe(expiredRuns.size);
    expect(await metric('events')).toBe(expiredRuns.size - 1);
    await until(async () => {
      const [job] = await query<{ run_at: Date }>(
        `select run_at from graphile_worker.jobs where task_identifier = 'retention.sweep'`,
      );
      return job && job.run_at.getTime() > Date.now() + 3_000_000;
    });
  }, 300_000);

  it('refuses a retention that is not a whole number of days from 1 to 36,500, storing nothing', async () => {
    const api = apiOf(t);
    const before = await countRows(t, 'integrations');
    const source = await api.post('/v1/connections', {
      name: 'Hooks',
      connector: 'http',
      credentials: { authKind: 'none' },
    });
    const definition = (retention: unknown) => ({
      name: 'Kept',
      retention,
      trigger: {
        connector: 'http',
        trigger: 'webhook-received',
        connection: source.body.id,
        settings: { signatureScheme: 'none' },
      },
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'none', when: false }] }],
    });
    for (const bad of [{ days: 0 }, { days: 1.5 }, { days: 36_501 }, { days: '30' }])
      expect(pointersOf(await api.post('/v1/integrations', definition(bad)), 422)).toEqual([
        '/retention/days',
      ]);
    expect(pointersOf(await api.post('/v1/integrations', definition({ weeks: 2 })), 422)).toEqual([
      '/retention/days',
      '/retention/weeks',
    ]);
    expect(await countRows(t, 'integrations')).toBe(before);
  });
});
