import type { Generated } from 'kysely';
import type { Json, OptionalJson, OptionalTimestamp, Timestamp } from './column-types.js';

/**
 * What a parked run waits for: a callback, a poll, a reviewer's decision, or the answer of a slow
 * call still going on in a worker process (`detached`).
 */
export type WaitKind = 'callback' | 'poll' | 'review' | 'detached';

/**
 * `waiting` until settled once: resumed, timed out, cancelled, or `failed` (a detached call that
 * failed: its attempt failed, under the retry policy).
 */
export type WaitState = 'waiting' | 'resumed' | 'timed-out' | 'cancelled' | 'failed';

/** What happens when a wait's deadline passes. */
export type TimeoutPolicy =
  | { readonly kind: 'fail' }
  | { readonly kind: 'retry' }
  | { readonly kind: 'continue'; readonly output: Record<string, unknown> }
  /** A non-idempotent step (`<route>/<step>`) was sent: its outcome is unknown, an operator decides. */
  | { readonly kind: 'unknown'; readonly step: string };

export interface RunWaitsTable {
  id: string;
  run_id: string;
  integration_id: string;
  route_key: string;
  step_key: string;
  kind: WaitKind;
  state: WaitState;
  connector_id: string;
  connector_version: string;
  action_key: string;
  deadline: OptionalTimestamp;
  on_timeout: Json<TimeoutPolicy>;
  /** For polls: `{ everySeconds, state }`. */
  poll: OptionalJson<{ everySeconds: number; state: unknown }>;
  /** When the poll is due next (polls only). */
  next_poll_at: OptionalTimestamp;
  /** What settled it: the callback's body, the poll's output, the reviewer's decision. */
  result: OptionalJson;
  created_at: Timestamp;
  settled_at: OptionalTimestamp;
}

export type ReviewState = 'open' | 'approved' | 'rejected' | 'cancelled';

/** One write waiting for a person: the proposal, where it came from, and the decision. */
export interface ReviewItemsTable {
  id: string;
  seq: Generated<string>;
  run_id: string;
  integration_id: string;
  route_key: string;
  step_key: string;
  /** Why it is here: `step` (a review step), `gate` (a gate's condition held). */
  reason: string;
  confidence: number | null;
  /** The input the action would receive. */
  proposal: Json<Record<string, unknown>>;
  /** `{ event, steps }`: the data the proposal was mapped from. */
  source: Json;
  current_record: OptionalJson<Record<string, unknown>>;
  diff: OptionalJson<{ pointer: string; current: unknown; proposed: unknown }[]>;
  /** The reviewer's edit of the proposal (a whole input), if any. */
  edited: OptionalJson<Record<string, unknown>>;
  state: ReviewState;
  assignee: string | null;
  claim_expires_at: OptionalTimestamp;
  sla_due_at: OptionalTimestamp;
  escalated_at: OptionalTimestamp;
  decided_by: string | null;
  decided_at: OptionalTimestamp;
  decision_reason: string | null;
  revision: Generated<number>;
  created_at: Timestamp;
}

export interface ReviewTables {
  run_waits: RunWaitsTable;
  review_items: ReviewItemsTable;
}
