import { type CompiledQuery, type Kysely, type Selectable, sql } from 'kysely';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';
import type { Database } from '../db/schema.js';
import type { RunsTable } from '../db/tables/run-tables.js';
import { holdsLaneSql } from './run-queue.js';

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
  'job_id',
  'sending',
  'decision',
  'deferrals',
  'holds_lane',
  'stage',
  'stage_version',
  'stage_review',
];

/** Which attempt of which run a job was queued for, and the job (graphile-worker's id). */
export interface ClaimRequest {
  readonly runId: string;
  readonly attempt: number;
  readonly jobId: string;
}

type ClaimedRow = Selectable<RunsTable> & {
  data: unknown;
  done: ClaimedRun['done'] | null;
  links: ClaimedRun['links'] | null;
};

/** The statement of `claimRuns` (exported for the plan test of hot statements). */
export function claimRunsQuery(
  db: Kysely<Database>,
  requests: readonly ClaimRequest[],
): CompiledQuery<ClaimedRow> {
  // The primary key must find the runs, whatever the statistics of this busy table say: with
  // statistics from before a burst, a plain `state in (...)` lets the planner scan the whole
  // lane's partial index (every unfinished run) instead. `coalesce(state, '')` (state is
  // never null) keeps that index out of reach of this condition.
  const ids = requests.map((r) => r.runId);
  const attempts = requests.map((r) => r.attempt);
  const jobIds = requests.map((r) => r.jobId);
  return sql<ClaimedRow>`
    with claimed as (
      update runs r set state = 'running', attempts = r.attempts + 1, started_at = coalesce(r.started_at, now()),
        job_id = w.job_id
      from unnest(${ids}::text[], ${attempts}::int[], ${jobIds}::bigint[]) as w(id, attempt, job_id)
      where r.id = any(${ids}::text[]) and w.id = r.id
        and (coalesce(r.state, '') in ('queued', 'failed') and w.attempt = r.attempts
             or coalesce(r.state, '') = 'running' and w.job_id = r.job_id)
        and (r.attempts > 0 or r.source_record is null or r.replay_of is not null or not exists (
          select 1 from runs e where e.integration_id = r.integration_id and e.source_record = r.source_record
            and e.seq < r.seq and ${sql.raw(holdsLaneSql('e'))}))
      returning ${sql.raw(runColumns.map((c) => `r.${c}`).join(', '))}
    )
    select ${sql.raw(runColumns.map((c) => `c.${c}`).join(', '))}, e.data,
      (select json_agg(json_build_object('route_key', s.route_key, 'step_key', s.step_key, 'state', s.state, 'output', s.output))
         from run_steps s where s.run_id = c.id and s.state in ('succeeded', 'skipped', 'filtered', 'shadowed')) as done,
      (select json_agg(json_build_object('step_key', l.step_key, 'target_id', l.target_id,
                                         'content_hash', encode(l.content_hash, 'hex'), 'last_output', l.last_output))
         from record_links l where l.integration_id = c.integration_id and l.source_id = c.source_record) as links
    from claimed c
    join events e on e.id = c.event_id`.compile(db);
}

/**
 * Claims runs for the attempts their jobs were queued for, in ONE statement that also reads their
 * events, the steps done in earlier attempts and the records' links. A first attempt is not
 * claimed while an earlier run of its record is unfinished. A `running` run is claimed again by
 * the job that claimed it: graphile-worker runs a job again only after its execution ended, so
 * that attempt ended without storing its outcome. Returns the runs claimed (the others were
 * cancelled, finished, claimed by a newer job, or wait behind an earlier run).
 */
export async function claimRuns(
  database: Pick<JunctionDatabase, 'db' | 'pool'>,
  requests: readonly ClaimRequest[],
): Promise<ClaimedRun[]> {
  const rows = await queryPrepared(database.pool, claimRunsQuery(database.db, requests));
  return rows.map(({ data, done, links, ...run }) => ({
    run: run as Selectable<RunsTable>,
    data,
    done: done ?? [],
    links: (links ?? []).map((l) => ({
      ...l,
      content_hash: Buffer.from(l.content_hash as unknown as string, 'hex'),
    })),
  }));
}

/**
 * Claims each run with the others asked for in the same turn of the event loop: a worker pool
 * starting several jobs at once claims them in one statement (one round trip, one commit).
 */
export function createRunClaimer(database: Pick<JunctionDatabase, 'db' | 'pool'>) {
  let waiting: {
    request: ClaimRequest;
    resolve(run: ClaimedRun | undefined): void;
    reject(error: unknown): void;
  }[] = [];
  const flush = async () => {
    const batch = waiting;
    waiting = [];
    try {
      // By the job that claimed it: a stale job of the same run in the batch gets nothing.
      const claimed = new Map(
        (
          await claimRuns(
            database,
            batch.map((w) => w.request),
          )
        ).map((c) => [String(c.run.job_id), c]),
      );
      for (const w of batch) w.resolve(claimed.get(w.request.jobId));
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  };
  return (request: ClaimRequest): Promise<ClaimedRun | undefined> =>
    new Promise((resolve, reject) => {
      waiting.push({ request, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
}
