import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** Rows one retention batch deleted, by table. */
export type ExpiredCounts = {
  readonly runs: number;
  readonly run_steps: number;
  readonly events: number;
  readonly run_waits: number;
  readonly review_items: number;
};

export const expiredTables = [
  'runs',
  'run_steps',
  'events',
  'run_waits',
  'review_items',
] as const satisfies readonly (keyof ExpiredCounts)[];

/**
 * One retention batch of an integration, in ONE statement: at most `limit` of its succeeded and
 * cancelled runs that finished before `cutoff`, oldest first (the partial index `runs_expiry`),
 * with their steps, waits, review items and events. Only finished runs are touched, so ingestion
 * and running attempts never wait on it; a run locked by anyone else is skipped.
 *
 * What it keeps: every run in another state (dead, waiting, unknown, pending...), a run that holds
 * its record's lane, runs that were replayed and their replays (an event with more than one run;
 * rare, left for an operator), and an event that is its record link's last applied event (a
 * replay of an older event of the record is refused by it). Record links and audit entries are
 * never deleted here.
 */
export function expireRunsQuery(integrationId: string, cutoff: Date, limit: number) {
  return sql<{ [K in keyof ExpiredCounts]: string }>`
    with expired as (
      select r.id, r.event_id from runs r
      where r.integration_id = ${integrationId} and r.state in ('succeeded', 'cancelled')
        and r.finished_at < ${cutoff} and r.replay_of is null and not r.holds_lane
        and not exists (select 1 from runs n where n.replay_of = r.id)
      order by r.finished_at
      limit ${limit}
      for update of r skip locked
    ), steps as (
      -- "= any(array(...))": each table is probed by its run index, however many rows it has
      -- (joined to a CTE the planner guesses at, it may hash the whole table instead).
      delete from run_steps s where s.run_id = any(array(select id from expired)) returning 1
    ), waits as (
      delete from run_waits w where w.run_id = any(array(select id from expired)) returning 1
    ), reviews as (
      delete from review_items v where v.run_id = any(array(select id from expired)) returning 1
    ), gone as (
      delete from runs r where r.id = any(array(select id from expired)) returning r.event_id
    ), gone_events as (
      delete from events e using gone g where e.id = g.event_id
        and not exists (select 1 from record_links l
                        where l.integration_id = e.integration_id and l.source_id = e.source_record
                          and l.event_id = e.id)
      returning 1
    )
    select (select count(*) from gone) as runs, (select count(*) from steps) as run_steps,
      (select count(*) from gone_events) as events, (select count(*) from waits) as run_waits,
      (select count(*) from reviews) as review_items`;
}

/**
 * The integrations that have succeeded or cancelled runs, with the retention their current
 * definition sets (null: the default), read by skipping through `runs_expiry` (one probe per
 * integration, however many runs each has). Integrations since deleted are listed too.
 */
export function retentionTargetsQuery() {
  return sql<{ integration_id: string; days: number | null }>`
    with recursive ids(id) as (
      select min(integration_id) from runs where state in ('succeeded', 'cancelled')
      union all
      select (select min(r.integration_id) from runs r
              where r.state in ('succeeded', 'cancelled') and r.integration_id > ids.id)
      from ids where ids.id is not null
    )
    select ids.id as integration_id, (v.definition->'retention'->>'days')::int as days
    from ids
    left join integrations i on i.id = ids.id
    left join integration_versions v on v.integration_id = i.id and v.version = i.current_version
    where ids.id is not null`;
}

/** Runs one batch (see expireRunsQuery). */
export async function expireRuns(
  db: Kysely<Database>,
  integrationId: string,
  cutoff: Date,
  limit: number,
): Promise<ExpiredCounts> {
  const { rows } = await expireRunsQuery(integrationId, cutoff, limit).execute(db);
  const row = rows[0];
  return {
    runs: Number(row?.runs ?? 0),
    run_steps: Number(row?.run_steps ?? 0),
    events: Number(row?.events ?? 0),
    run_waits: Number(row?.run_waits ?? 0),
    review_items: Number(row?.review_items ?? 0),
  };
}
