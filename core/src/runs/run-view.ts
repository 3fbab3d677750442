import type { Selectable } from 'kysely';
import type { RolloutStage } from '../db/tables/rollout-tables.js';
import type { RunState, RunStepsTable, RunsTable } from '../db/tables/run-tables.js';

/** Every state a run can be in, in the order of its life. */
export const runStates = [
  'pending',
  'queued',
  'running',
  'waiting',
  'failed',
  'unknown',
  'succeeded',
  'dead',
  'cancelled',
] as const satisfies readonly RunState[];

/** A run as the API shows it. */
export interface RunView {
  readonly id: string;
  readonly integration: string;
  readonly version: number;
  readonly eventId: string;
  readonly sourceRecord: string | null;
  readonly state: RunState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly replayOf: string | null;
  readonly outcome: string | null;
  readonly lastError: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly nextAttemptAt: string | null;
  /**
   * A dead run that keeps its record's place (ordering `hold`): the record's later runs wait
   * behind it (`pending`) until it is replayed or cancelled.
   */
  readonly holdsLane: boolean;
  /** The integration's rollout stage when the run was created. */
  readonly stage: RolloutStage;
  /** Whether the rollout sent the run's writes to review (review-all, or inside the sample). */
  readonly stageReview: boolean;
}

/** One recorded attempt of one step, as the API shows it. */
export interface StepView {
  readonly route: string;
  readonly step: string;
  readonly attempt: number;
  readonly state: Selectable<RunStepsTable>['state'];
  readonly input: unknown;
  readonly output: unknown;
  readonly error: Record<string, unknown> | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

export function toRunView(row: Selectable<RunsTable>): RunView {
  return {
    id: row.id,
    integration: row.integration_id,
    version: row.integration_version,
    eventId: row.event_id,
    sourceRecord: row.source_record,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    replayOf: row.replay_of,
    outcome: row.outcome,
    lastError: (row.last_error as Record<string, unknown> | null) ?? null,
    createdAt: new Date(row.created_at).toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    nextAttemptAt: iso(row.next_attempt_at),
    holdsLane: row.holds_lane,
    stage: row.stage ?? 'auto',
    stageReview: row.stage_review === true,
  };
}

export function toStepView(row: Selectable<RunStepsTable>): StepView {
  return {
    route: row.route_key,
    step: row.step_key,
    attempt: row.attempt,
    state: row.state,
    input: row.input ?? null,
    output: row.output ?? null,
    error: (row.error as Record<string, unknown> | null) ?? null,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: new Date(row.finished_at).toISOString(),
    durationMs: row.duration_ms,
  };
}
