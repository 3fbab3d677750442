import type pg from 'pg';

/** How a grown database is seeded (see seedGrownDatabase). */
export interface GrowthSeed {
  /** Events, runs, steps and record links (one of each per event). */
  readonly rows: number;
  /** The integrations the rows are spread over, round robin (they need not exist). */
  readonly integrations: readonly string[];
  /** Age of the oldest row in days; rows are spread evenly up to now. */
  readonly days?: number;
  /** Parked runs' waits and review items (a history mostly settled and decided). */
  readonly parked?: number;
}

/** Rows in a seeded database, by table. */
export type SeededCounts = Readonly<Record<string, number>>;

/**
 * Seeds the history of a busy Junction: `rows` events, each with its run, one step and its
 * record's link (a record per event), spread over `integrations` and `days`; most runs
 * succeeded, one in a thousand dead, one in five thousand waiting, one in ten thousand unknown or
 * pending; `parked` waits and review items, most settled. One INSERT ... SELECT per table, then
 * ANALYZE, so that the planner sees the grown tables. Ids sort in time order like Junction's own
 * (time-ordered UUIDs) and never collide with them.
 */
export async function seedGrownDatabase(
  client: pg.ClientBase,
  seed: GrowthSeed,
): Promise<SeededCounts> {
  const { rows } = seed;
  const days = seed.days ?? 60;
  const parked = seed.parked ?? Math.round(rows / 20);
  const params = [rows, seed.integrations, days];
  // g: 1..rows; its age: (rows - g) / rows of `days`; its integration: round robin.
  const series = `
    select g, ($2::text[])[1 + g % cardinality($2::text[])] as integration_id,
           now() - (($1::bigint - g)::float8 / $1::bigint * $3::float8) * interval '1 day' - interval '1 minute' as at,
           lpad(to_hex(g), 12, '0') as key
    from generate_series(1, $1::bigint) g`;
  const state = `case when g % 10000 = 7 then 'unknown' when g % 10000 = 3 then 'pending'
                      when g % 5000 = 1 then 'waiting' when g % 1000 = 5 then 'dead'
                      else 'succeeded' end`;
  await client.query(
    `insert into events (id, integration_id, integration_version, dedupe_key, source_record, data, received_at)
     select 'evt_0000' || key, integration_id, 1, 'grown-' || g, 'grown-' || g,
            jsonb_build_object('id', g, 'name', 'record ' || g, 'email', 'r' || g || '@example.com'), at
     from (${series}) s`,
    params,
  );
  await client.query(
    `insert into runs (id, event_id, integration_id, integration_version, source_record, state,
                       attempts, max_attempts, outcome, created_at, started_at, finished_at)
     select 'run_0000' || key, 'evt_0000' || key, integration_id, 1, 'grown-' || g, ${state},
            1, 5, null, at, at, case when ${state} in ('succeeded', 'dead') then at + interval '1 second' end
     from (${series}) s`,
    params,
  );
  await client.query(
    `insert into run_steps (run_id, route_key, step_key, attempt, state, input, output,
                            started_at, finished_at, duration_ms)
     select 'run_0000' || key, 'main', 'write', 1, 'succeeded',
            jsonb_build_object('id', g, 'name', 'record ' || g),
            jsonb_build_object('id', 'target-' || g), at, at + interval '10 ms', 10
     from (${series}) s`,
    params,
  );
  await client.query(
    `insert into record_links (integration_id, step_key, source_system, source_id, target_system,
                               target_id, content_hash, last_output, created_at, updated_at)
     select integration_id, 'write', 'http', 'grown-' || g, 'postgres', 'target-' || g,
            sha256(convert_to(key, 'utf8')), jsonb_build_object('id', 'target-' || g), at, at
     from (${series}) s`,
    params,
  );
  // Waits and review items of every 20th run: those of runs still waiting stay open.
  const parkedSeries = `select * from (${series}) s where g % 20 = 1 limit ${Math.max(0, parked)}`;
  const open = `(g % 5000 = 1)`;
  await client.query(
    `insert into run_waits (id, run_id, integration_id, route_key, step_key, kind, state,
                            connector_id, connector_version, action_key, deadline, on_timeout,
                            created_at, settled_at)
     select 'wait_0000' || key, 'run_0000' || key, integration_id, 'main', 'write', 'review',
            case when ${open} then 'waiting' else 'resumed' end, 'postgres', '1.0.0', 'upsert-row',
            at + interval '3 days', '{"kind":"fail"}', at, case when not ${open} then at + interval '1 hour' end
     from (${parkedSeries}) s`,
    params,
  );
  await client.query(
    `insert into review_items (id, run_id, integration_id, route_key, step_key, reason, confidence,
                               proposal, source, state, sla_due_at, decided_by, decided_at, created_at)
     select 'wait_0000' || key, 'run_0000' || key, integration_id, 'main', 'write', 'gate', 0.5,
            jsonb_build_object('id', g), jsonb_build_object('id', g),
            case when ${open} then 'open' else 'approved' end, at + interval '1 day',
            case when not ${open} then 'tok_reviewer' end, case when not ${open} then at + interval '1 hour' end, at
     from (${parkedSeries}) s`,
    params,
  );
  await client.query('analyze');
  const counts: Record<string, number> = {};
  for (const table of [
    'events',
    'runs',
    'run_steps',
    'record_links',
    'run_waits',
    'review_items',
  ]) {
    const { rows: found } = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
    counts[table] = Number(found[0]?.n);
  }
  return counts;
}
