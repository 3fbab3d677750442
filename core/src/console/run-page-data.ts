import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RunState } from '../db/tables/run-tables.js';
import { listRuns } from '../runs/run-queries.js';
import { runStates } from '../runs/run-view.js';
import type { RunRecordLink } from './run-page.js';
import type { RunsFilterForm, RunsPageData } from './runs-page.js';

/** Rows on one page of runs. */
export const runsPageSize = 50;

/** Integrations by name, for filters and labels (bounded). */
export function integrationNames(db: Kysely<Database>) {
  return db.selectFrom('integrations').select(['id', 'name']).orderBy('name').limit(500).execute();
}

/** Reads the runs list's query; a datetime-local value is taken as UTC. */
export function runsFilterOf(query: Record<string, string | undefined>): {
  filter: RunsFilterForm;
  problems: Record<string, string>;
} {
  const text = (name: string, max: number) => (query[name] ?? '').trim().slice(0, max);
  const filter: RunsFilterForm = {
    integration: text('integration', 200),
    state: text('state', 20),
    record: text('record', 500),
    from: text('from', 30),
    to: text('to', 30),
  };
  const problems: Record<string, string> = {};
  if (filter.state !== '' && !(runStates as readonly string[]).includes(filter.state))
    problems.state = `Not a run state; one of ${runStates.join(', ')}.`;
  for (const name of ['from', 'to'] as const)
    if (filter[name] !== '' && utcOf(filter[name]) === undefined)
      problems[name] = 'Not a date and time (YYYY-MM-DDTHH:MM, UTC).';
  return { filter, problems };
}

/** A datetime-local value (no zone) read as UTC; undefined when it is not one. */
export const utcOf = (value: string): Date | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const at = new Date(`${value}Z`);
  return Number.isNaN(at.getTime()) ? undefined : at;
};

/** One page of runs for the console (a cursor is the last run's seq). */
export async function runsPageData(
  db: Kysely<Database>,
  query: Record<string, string | undefined>,
  canOperate: boolean,
): Promise<RunsPageData> {
  const { filter, problems } = runsFilterOf(query);
  const cursor = /^\d{1,19}$/.test(query.cursor ?? '') ? query.cursor : undefined;
  const integrations = await integrationNames(db);
  if (Object.keys(problems).length > 0)
    return { filter, problems, integrations, runs: [], next: undefined, cursor, canOperate };
  const { runs, seqs } = await listRuns(db, {
    ...(filter.integration ? { integrationId: filter.integration } : {}),
    ...(filter.state ? { states: [filter.state as RunState] } : {}),
    ...(filter.record ? { sourceRecord: filter.record } : {}),
    ...(filter.from ? { from: utcOf(filter.from) } : {}),
    ...(filter.to ? { to: utcOf(filter.to) } : {}),
    ...(cursor ? { beforeSeq: cursor } : {}),
    limit: runsPageSize,
  });
  const more = runs.length > runsPageSize;
  return {
    filter,
    problems,
    integrations,
    runs: runs.slice(0, runsPageSize),
    next: more ? seqs[runsPageSize - 1] : undefined,
    cursor,
    canOperate,
  };
}

/** The record links of a run's record in its integration (the ones it wrote or would use). */
export async function runRecordLinks(
  db: Kysely<Database>,
  run: { integration: string; eventId: string; sourceRecord: string | null },
): Promise<RunRecordLink[]> {
  const rows = await db
    .selectFrom('record_links')
    .select(['step_key', 'source_system', 'source_id', 'target_system', 'target_id', 'updated_at'])
    .where('integration_id', '=', run.integration)
    .where((eb) =>
      run.sourceRecord === null
        ? eb('event_id', '=', run.eventId)
        : eb.or([eb('event_id', '=', run.eventId), eb('source_id', '=', run.sourceRecord)]),
    )
    .orderBy('updated_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((r) => ({
    step: r.step_key,
    sourceSystem: r.source_system,
    sourceId: r.source_id,
    targetSystem: r.target_system,
    targetId: r.target_id,
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}
