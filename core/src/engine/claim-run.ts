import { type Selectable, sql } from 'kysely';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';
import type { RunsTable } from '../db/tables/run-tables.js';
import { unfinishedStates } from './run-queue.js';

/** A run just claimed for an attempt, with everything the attempt needs. */
export interface ClaimedRun {
  readonly run: Selectable<RunsTable>;
  readonly data: unknown;
  /** Steps finished in earlier attempts (not run again). */
  readonly done: readonly { route_key: string; step_key: string; state: string; output: unknown }[];
  /** The source record's links, by step. */
  readonly links: readonly {
    step_key: string;
    target_id: string | null;
    content_hash: Buffer;
    last_output: unknown;
  }[];
}

/** Every column of `runs`, listed (a prepared statement's result must not change shape). */
const runColumns: readonly (keyof RunsTable)[] = [
  'id',
  'seq',
  'event_id',
  'integration_id',
  'integration_version',
  'source_record',
  'state',
  'attempts',
  'max_attempts',
  'replay_of',
  'outcome',
  'last_error',
  'created_at',
  'started_at',
  'finished_at',
  'next_attempt_at',
];

/**
 * Claims a run for the attempt its job was queued for, in ONE statement that also reads its
 * event, the steps done in earlier attempts and the record's links.
 * A first attempt is not claimed while an earlier run of its record is unfinished.
 */
export async function claimRun(
  database: Pick<JunctionDatabase, 'db' | 'pool'>,
  payload: { runId: string; attempt: number },
): Promise<ClaimedRun | undefined> {
  const query = sql<
    Selectable<RunsTable> & {
      data: unknown;
      done: ClaimedRun['done'] | null;
      links: ClaimedRun['links'] | null;
    }
  >`
    with claimed as (
      update runs r set state = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now())
      where r.id = ${payload.runId} and r.attempts = ${payload.attempt} and r.state in ('queued', 'failed')
        and (r.attempts > 0 or r.source_record is null or r.replay_of is not null or not exists (
          select 1 from runs e where e.integration_id = r.integration_id and e.source_record = r.source_record
            and e.seq < r.seq and e.state = any(${unfinishedStates as string[]}::text[])))
      returning ${sql.raw(runColumns.map((c) => `r.${c}`).join(', '))}
    )
    select ${sql.raw(runColumns.map((c) => `c.${c}`).join(', '))}, e.data,
      (select json_agg(json_build_object('route_key', s.route_key, 'step_key', s.step_key, 'state', s.state, 'output', s.output))
         from run_steps s where s.run_id = c.id and s.state in ('succeeded', 'skipped', 'filtered')) as done,
      (select json_agg(json_build_object('step_key', l.step_key, 'target_id', l.target_id,
                                         'content_hash', encode(l.content_hash, 'hex'), 'last_output', l.last_output))
         from record_links l where l.integration_id = c.integration_id and l.source_id = c.source_record) as links
    from claimed c
    join events e on e.id = c.event_id`.compile(database.db);
  const [row] = await queryPrepared(database.pool, query);
  if (!row) return undefined;
  const { data, done, links, ...run } = row;
  return {
    run: run as Selectable<RunsTable>,
    data,
    done: done ?? [],
    links: (links ?? []).map((l) => ({
      ...l,
      content_hash: Buffer.from(l.content_hash as unknown as string, 'hex'),
    })),
  };
}
