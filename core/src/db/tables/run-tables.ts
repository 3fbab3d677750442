import type { ColumnType, Generated } from 'kysely';
import type { Json, OptionalJson, OptionalTimestamp, Timestamp } from './column-types.js';
import type { RolloutStage } from './rollout-tables.js';

export type RunState =
  | 'pending'
  | 'queued'
  | 'running'
  | 'waiting'
  | 'failed'
  | 'succeeded'
  | 'dead'
  | 'cancelled'
  /** A non-idempotent step was sent and its outcome is unknown: an operator decides. */
  | 'unknown';

/** What an operator decided about a step whose outcome was unknown. */
export type RunDecision =
  | { readonly kind: 'done'; readonly output: unknown; readonly by: string }
  | { readonly kind: 'send-again'; readonly by: string };

export interface IntegrationHooksTable {
  integration_id: string;
  token_hash: Buffer;
  token_sealed: Buffer;
  created_at: Timestamp;
}

/** One item from a trigger, bound to the integration version current when it arrived. */
export interface EventsTable {
  id: string;
  seq: Generated<string>;
  integration_id: string;
  integration_version: number;
  dedupe_key: string;
  source_record: string | null;
  data: Json;
  received_at: Timestamp;
}

export interface RunsTable {
  id: string;
  seq: Generated<string>;
  event_id: string;
  integration_id: string;
  integration_version: number;
  source_record: string | null;
  state: RunState;
  attempts: Generated<number>;
  max_attempts: number;
  replay_of: string | null;
  outcome: string | null;
  last_error: OptionalJson;
  created_at: Timestamp;
  started_at: OptionalTimestamp;
  finished_at: OptionalTimestamp;
  next_attempt_at: OptionalTimestamp;
  /** The graphile-worker job that claimed the current attempt (bigint, as a string). */
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** `<route>/<step>` of a non-idempotent step sent and not settled yet (see RunDecision). */
  sending: ColumnType<string | null, string | null | undefined, string | null>;
  /** An operator's decision about the `sending` step of an `unknown` run. */
  decision: OptionalJson<RunDecision>;
  /** Attempts deferred by a rate limit: not counted against the retry policy's maxAttempts. */
  deferrals: Generated<number>;
  /**
   * A dead run that keeps its record's place (the integration's `ordering` is `hold`): the
   * record's later runs wait behind it until it is replayed or cancelled.
   */
  holds_lane: Generated<boolean>;
  /** The integration's rollout stage when the run was created; null (before rollouts): auto. */
  stage: ColumnType<RolloutStage | null, RolloutStage | null | undefined, RolloutStage | null>;
  /** The rollout's stage version then (see rollout_stages). */
  stage_version: ColumnType<number | null, number | null | undefined, number | null>;
  /** Whether the rollout sends the run's writes to review (review-all, or inside the sample). */
  stage_review: ColumnType<boolean | null, boolean | null | undefined, boolean | null>;
}

export interface RunStepsTable {
  id: Generated<string>;
  run_id: string;
  route_key: string;
  step_key: string;
  attempt: number;
  /**
   * `waiting`: the step parked the run (its wait or review item says for what); `shadowed`: a
   * writing step of a shadow run, recorded and not called (its shadow_writes row says what).
   */
  state: 'succeeded' | 'skipped' | 'filtered' | 'failed' | 'waiting' | 'rejected' | 'shadowed';
  input: OptionalJson;
  output: OptionalJson;
  error: OptionalJson;
  started_at: Timestamp;
  finished_at: Timestamp;
  duration_ms: number;
}

/** Which target record a source record became, and the hash of what was last written. */
export interface RecordLinksTable {
  integration_id: string;
  step_key: string;
  source_system: string;
  source_id: string;
  target_system: string;
  target_id: string | null;
  content_hash: Buffer;
  last_output: OptionalJson;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The event whose run last wrote this link (null for links written before it was kept). */
  event_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface IntegrationStateTable {
  integration_id: string;
  key: string;
  value: Json;
  updated_at: Timestamp;
}

export interface WorkerHeartbeatsTable {
  worker_pool_id: string;
  hostname: string;
  pid: number;
  started_at: Timestamp;
  seen_at: Timestamp;
}

/** The token bucket of a rate-limited connection (connection-throttle.ts). */
export interface ConnectionThrottlesTable {
  connection_id: string;
  tokens: number;
  refilled_at: Timestamp;
}

export interface RunTables {
  connection_throttles: ConnectionThrottlesTable;
  integration_hooks: IntegrationHooksTable;
  events: EventsTable;
  runs: RunsTable;
  run_steps: RunStepsTable;
  record_links: RecordLinksTable;
  integration_state: IntegrationStateTable;
  worker_heartbeats: WorkerHeartbeatsTable;
}
