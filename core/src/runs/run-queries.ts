import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RunState } from '../db/tables/run-tables.js';
import { type RunView, runStates, type StepView, toRunView, toStepView } from './run-view.js';

/** What `listRuns` selects; every member is optional and they combine with AND. */
export interface RunFilter {
  readonly integrationId?: string;
  readonly states?: readonly RunState[];
  /** The source record's id (runs of one record). */
  readonly sourceRecord?: string;
  /** created_at at or after. */
  readonly from?: Date;
  /** created_at before. */
  readonly to?: Date;
  /** Only runs older than this one (its seq): the page after it. */
  readonly beforeSeq?: string;
  readonly limit: number;
}

/**
 * Runs, newest first by `seq` (the order they were created in; stable, so a cursor is just the
 * last seq of a page). Fetches `limit + 1` rows so that the caller knows whether a page follows.
 */
export async function listRuns(
  db: Kysely<Database>,
  filter: RunFilter,
): Promise<{ runs: RunView[]; seqs: string[] }> {
  const rows = await listRunsQuery(db, filter).execute();
  return { runs: rows.map(toRunView), seqs: rows.map((r) => String(r.seq)) };
}

/** The statement of `listRuns` (exported for the plan test of hot statements). */
export function listRunsQuery(db: Kysely<Database>, filter: RunFilter) {
  let query = db
    .selectFrom('runs')
    .selectAll()
    .orderBy('seq', 'desc')
    .limit(filter.limit + 1);
  if (filter.integrationId !== undefined)
    query = query.where('integration_id', '=', filter.integrationId);
  if (filter.states !== undefined && filter.states.length > 0)
    query = query.where('state', 'in', filter.states);
  if (filter.sourceRecord !== undefined)
    query = query.where('source_record', '=', filter.sourceRecord);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  if (filter.beforeSeq !== undefined) query = query.where('seq', '<', filter.beforeSeq);
  return query;
}

/** A run with its event and every recorded step attempt, in the order they were recorded. */
export interface RunDetail extends RunView {
  readonly event: {
    readonly id: string;
    readonly dedupeKey: string;
    readonly sourceRecord: string | null;
    readonly receivedAt: string;
    readonly data: unknown;
  };
  readonly steps: StepView[];
}

export async function getRunDetail(
  db: Kysely<Database>,
  runId: string,
): Promise<RunDetail | undefined> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run) return undefined;
  const [event, steps] = await Promise.all([
    db.selectFrom('events').selectAll().where('id', '=', run.event_id).executeTakeFirstOrThrow(),
    db.selectFrom('run_steps').selectAll().where('run_id', '=', run.id).orderBy('id').execute(),
  ]);
  return {
    ...toRunView(run),
    event: {
      id: event.id,
      dedupeKey: event.dedupe_key,
      sourceRecord: event.source_record,
      receivedAt: new Date(event.received_at).toISOString(),
      data: event.data,
    },
    steps: steps.map(toStepView),
  };
}

/** Counts of an integration's runs by state, every state present (zeros included). */
export async function runStats(
  db: Kysely<Database>,
  integrationId: string,
): Promise<Record<RunState, number>> {
  const rows = await db
    .selectFrom('runs')
    .select((eb) => ['state', eb.fn.countAll<string>().as('n')])
    .where('integration_id', '=', integrationId)
    .groupBy('state')
    .execute();
  const counts = Object.fromEntries(runStates.map((s) => [s, 0])) as Record<RunState, number>;
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}
