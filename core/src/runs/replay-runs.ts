import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { RolloutStage } from '../db/tables/rollout-tables.js';
import type { RunState } from '../db/tables/run-tables.js';
import { laneOf } from '../engine/event-ingestor.js';
import { lockLanes } from '../engine/lane-locks.js';
import { enqueue } from '../engine/run-finisher.js';
import { type RunView, toRunView } from './run-view.js';

/** Who asks for an operation: recorded as the actor of its audit entries. */
export interface Operator {
  readonly actor: string;
  readonly requestId?: string;
}

/** Why a run was not replayed. */
export interface ReplayRefusal {
  readonly runId: string;
  readonly state: RunState;
  readonly detail: string;
  /** The run that already replays it, when that is the reason. */
  readonly replayedBy?: string;
  /** A newer event of the same record already applied, when that is the reason. */
  readonly newerEvent?: string;
}

export interface ReplayOutcome {
  readonly replayed: readonly RunView[];
  readonly refused: readonly ReplayRefusal[];
}

interface Candidate {
  id: string;
  event_id: string;
  integration_id: string;
  source_record: string | null;
  state: RunState;
  version: number;
  enabled: boolean | null;
  version_exists: boolean;
  max_attempts: number;
  replayed_by: string | null;
  newer_event: string | null;
  stage: RolloutStage | null;
  stage_version: number | null;
  stage_review: boolean | null;
}

const activeStates: readonly RunState[] = ['queued', 'running', 'waiting', 'failed', 'unknown'];

/**
 * Replays dead or failed runs in the caller's transaction: each gets a NEW run for the same event
 * (`replay_of` = the run replayed, bound to the event's integration version, max attempts from
 * that version's retry policy), queued behind its record's lane as ingestion queues runs. A
 * replayed `failed` run is cancelled in the same transaction (its scheduled retry then finds
 * nothing to do), and its replay takes its place at the head of the lane, ahead of the record's
 * later pending runs, as does the replay of a dead run that kept its record's place (ordering
 * `hold`). A run is replayed at most once: replay the newest run of a chain. A run whose record
 * has since had a newer event applied is not replayed (old data never goes over new). Runs that
 * are not eligible are returned in `refused`, unchanged.
 */
export async function replayRunsIn(
  trx: Transaction<Database>,
  runIds: readonly string[],
  by: Operator,
): Promise<ReplayOutcome> {
  if (runIds.length === 0) return { replayed: [], refused: [] };
  const ids = [...runIds];
  const lanes = await trx
    .selectFrom('runs')
    .select(['integration_id', 'source_record'])
    .where('id', 'in', ids)
    .execute();
  await lockLanes(trx, lanes);
  const { rows } = await sql<Candidate>`
    select r.id, r.event_id, r.integration_id, r.source_record, r.state,
           r.stage, r.stage_version, r.stage_review, e.integration_version as version, i.enabled, v.version is not null as version_exists,
           coalesce((v.definition->'retry'->>'maxAttempts')::int, 5) as max_attempts,
           (select n.id from runs n where n.event_id = r.event_id and n.replay_of = r.id
            order by n.seq limit 1) as replayed_by,
           -- The record's last applied event, when it is newer than this run's: replaying
           -- this one would write old data over new.
           -- An event retention has deleted since is newer when its write came after this
           -- run's event arrived (a dead run and its event are kept).
           (select l.event_id from record_links l left join events ev on ev.id = l.event_id
            where r.source_record is not null and l.integration_id = r.integration_id
              and l.source_id = r.source_record and l.event_id <> r.event_id
              and (ev.seq > e.seq or ev.id is null and l.updated_at > e.received_at)
            order by ev.seq desc nulls first limit 1) as newer_event
    from runs r
    join events e on e.id = r.event_id
    left join integrations i on i.id = r.integration_id
    left join integration_versions v
      on v.integration_id = r.integration_id and v.version = e.integration_version
    where r.id = any(${ids}::text[])
    order by r.seq
    for update of r`.execute(trx);

  const refused: ReplayRefusal[] = [];
  const eligible: Candidate[] = [];
  for (const row of rows) {
    const reason = refusalOf(row);
    if (reason) refused.push({ runId: row.id, state: row.state, ...reason });
    else eligible.push(row);
  }
  if (eligible.length === 0) return { replayed: [], refused };

  const newIds = new Map(eligible.map((r) => [r.id, `run_${randomUUID()}`]));
  for (const run of eligible.filter((r) => r.state === 'failed')) {
    await trx
      .updateTable('runs')
      .set({
        state: 'cancelled',
        finished_at: new Date(),
        next_attempt_at: null,
        outcome: `replaced by ${newIds.get(run.id)}`,
      })
      .where('id', '=', run.id)
      .execute();
  }
  // A replayed dead run that kept its record's place (ordering `hold`) gives it to its replay.
  await trx
    .updateTable('runs')
    .set({ holds_lane: false })
    .where(
      'id',
      'in',
      eligible.map((r) => r.id),
    )
    .where('holds_lane', '=', true)
    .execute();
  const withLane = eligible.filter((r) => r.source_record !== null);
  const busy = new Set<string>();
  if (withLane.length > 0) {
    const active = await trx
      .selectFrom('runs')
      .select(['integration_id', 'source_record'])
      .where((eb) => eb.or([eb('state', 'in', activeStates), eb('holds_lane', '=', true)]))
      .where((eb) =>
        eb.or(
          withLane.map((r) =>
            eb.and([
              eb('integration_id', '=', r.integration_id),
              eb('source_record', '=', r.source_record),
            ]),
          ),
        ),
      )
      .execute();
    for (const a of active) busy.add(laneOf(a.integration_id, a.source_record as string));
  }
  const values = eligible.map((r) => {
    const lane = r.source_record === null ? undefined : laneOf(r.integration_id, r.source_record);
    const state: RunState = lane !== undefined && busy.has(lane) ? 'pending' : 'queued';
    if (lane !== undefined) busy.add(lane);
    return {
      id: newIds.get(r.id) as string,
      event_id: r.event_id,
      integration_id: r.integration_id,
      integration_version: r.version,
      source_record: r.source_record,
      state,
      max_attempts: r.max_attempts,
      replay_of: r.id,
      // A replay runs in the stage of the run it replays (a shadow run's replay writes nothing).
      stage: r.stage,
      stage_version: r.stage_version,
      stage_review: r.stage_review,
    };
  });
  const inserted = await trx.insertInto('runs').values(values).returningAll().execute();
  inserted.sort((a, b) => Number(BigInt(a.seq) - BigInt(b.seq)));
  const queued = inserted.filter((r) => r.state === 'queued').map((r) => r.id);
  if (queued.length > 0) await enqueue(trx, queued);
  for (const [i, run] of eligible.entries()) {
    const replay = values[i] as (typeof values)[number];
    await recordAudit(trx, {
      actor: by.actor,
      action: 'run.replay',
      subjectType: 'run',
      subjectId: run.id,
      integrationId: run.integration_id,
      runId: replay.id,
      requestId: by.requestId,
      data: {
        eventId: run.event_id,
        before: { state: run.state },
        after: { state: run.state === 'failed' ? 'cancelled' : run.state },
        replay: { id: replay.id, state: replay.state, version: replay.integration_version },
      },
    });
  }
  return { replayed: inserted.map(toRunView), refused };
}

function refusalOf(
  row: Candidate,
): { detail: string; replayedBy?: string; newerEvent?: string } | undefined {
  if (row.state !== 'dead' && row.state !== 'failed')
    return { detail: `Only dead or failed runs can be replayed; this run is ${row.state}.` };
  if (row.replayed_by !== null)
    return {
      detail: `This run was already replayed as ${row.replayed_by}; replay that run instead.`,
      replayedBy: row.replayed_by,
    };
  if (row.enabled === null) return { detail: 'The integration of this run no longer exists.' };
  if (!row.enabled) return { detail: 'The integration is disabled; enable it to replay its runs.' };
  if (!row.version_exists)
    return { detail: `Version ${row.version} of the integration no longer exists.` };
  if (row.newer_event !== null)
    return {
      detail: `A newer event of record ${row.source_record} (${row.newer_event}) has already been applied: replaying this older one would write old data over new. Send the record again from its source if it still needs syncing, or set the integration's ordering to "hold" so that later events wait behind a dead run.`,
      newerEvent: row.newer_event,
    };
  return undefined;
}

/** Replays one run in its own transaction. */
export async function replayRun(
  db: Kysely<Database>,
  runId: string,
  by: Operator,
): Promise<ReplayOutcome> {
  return db.transaction().execute((trx) => replayRunsIn(trx, [runId], by));
}
