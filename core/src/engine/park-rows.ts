import type { WaitRequest } from '@junction/connector-kit';
import { auditRow } from '../audit/record-audit.js';
import type { TimeoutPolicy } from '../db/tables/review-tables.js';
import type { Parking, StepContext, WaitRow } from './write-step.js';

/** Which step of which run parks, and the action it runs. */
export interface ParkingStep {
  readonly waitId: string;
  readonly context: StepContext;
  readonly stepKey: string;
  readonly connector: { readonly id: string; readonly version: string };
  readonly actionKey: string;
}

function waitRow(
  step: ParkingStep,
  kind: WaitRow['kind'],
  deadline: Date | null,
  onTimeout: TimeoutPolicy,
  poll: WaitRequest['poll'],
): WaitRow {
  const { run, routeKey } = step.context;
  return {
    id: step.waitId,
    run_id: run.id,
    integration_id: run.integration_id,
    route_key: routeKey,
    step_key: step.stepKey,
    kind,
    connector_id: step.connector.id,
    connector_version: step.connector.version,
    action_key: step.actionKey,
    deadline: deadline?.toISOString() ?? null,
    on_timeout: JSON.stringify(onTimeout),
    poll: poll ? JSON.stringify(poll) : null,
    next_poll_at: poll ? new Date(Date.now() + poll.everySeconds * 1000).toISOString() : null,
  };
}

/** The wait of a step whose action returned `ctx.wait(...)`. */
export function waitParking(step: ParkingStep, request: WaitRequest): Parking {
  const onTimeout: TimeoutPolicy =
    request.onTimeout === 'fail' || request.onTimeout === 'retry'
      ? { kind: request.onTimeout }
      : { kind: 'continue', output: request.onTimeout.continueWith };
  const deadline = new Date(Date.now() + request.deadlineSeconds * 1000);
  return {
    wait: waitRow(step, request.callback ? 'callback' : 'poll', deadline, onTimeout, request.poll),
  };
}

/**
 * The wait of a step whose call answers slowly and goes on outside the attempt (an action's
 * `detach`): until `deadline` (the step's timeout), then `onTimeout` (retry for an idempotent
 * action, else an operator's decision).
 */
export function detachedParking(
  step: ParkingStep,
  deadline: Date,
  onTimeout: Extract<TimeoutPolicy, { kind: 'retry' | 'unknown' }>,
): Parking {
  return { wait: waitRow(step, 'detached', deadline, onTimeout, null) };
}

/** What a reviewer is shown and decides on. */
export interface Proposal {
  /** `gate`, `step`, or `rollout` (the integration's stage: review-all, or inside the sample). */
  readonly reason: 'gate' | 'step' | 'rollout';
  readonly confidence: number | null;
  /** The input the action would receive. */
  readonly input: Record<string, unknown>;
  /** The data it was mapped from. */
  readonly source: { readonly event: unknown; readonly steps: Record<string, unknown> };
  /** The target's current record (undefined: the action cannot read it). */
  readonly current: Record<string, unknown> | null | undefined;
  readonly slaSeconds: number | undefined;
}

/** The wait and the review item of a write sent to the review queue (no deadline: an SLA). */
export function reviewParking(step: ParkingStep, proposal: Proposal): Parking {
  const { run, routeKey } = step.context;
  const diff =
    proposal.current === undefined ? null : diffRecords(proposal.current, proposal.input);
  return {
    wait: waitRow(step, 'review', null, { kind: 'fail' }, null),
    review: {
      id: step.waitId,
      run_id: run.id,
      integration_id: run.integration_id,
      route_key: routeKey,
      step_key: step.stepKey,
      reason: proposal.reason,
      confidence: proposal.confidence,
      proposal: JSON.stringify(proposal.input),
      source: JSON.stringify(proposal.source),
      current_record: proposal.current === undefined ? null : JSON.stringify(proposal.current),
      diff: diff === null ? null : JSON.stringify(diff),
      sla_due_at:
        proposal.slaSeconds === undefined
          ? null
          : new Date(Date.now() + proposal.slaSeconds * 1000).toISOString(),
    },
    audit: auditRow({
      actor: `integration:${run.integration_id}`,
      action: 'review.open',
      subjectType: 'review',
      subjectId: step.waitId,
      integrationId: run.integration_id,
      runId: run.id,
      data: {
        step: `${routeKey}/${step.stepKey}`,
        reason: proposal.reason,
        confidence: proposal.confidence,
        proposal: proposal.input,
      },
    }),
  };
}

/** One difference between the target's current record and a proposed write. */
export interface DiffEntry {
  /** JSON pointer into the proposal. */
  readonly pointer: string;
  readonly current: unknown;
  readonly proposed: unknown;
}

/**
 * Where `proposed` differs from `current` (null: no record yet, every proposed value is new):
 * objects are compared member by member, anything else as a whole.
 */
export function diffRecords(
  current: Record<string, unknown> | null,
  proposed: Record<string, unknown>,
): DiffEntry[] {
  const out: DiffEntry[] = [];
  const walk = (before: unknown, after: unknown, pointer: string) => {
    if (isPlainObject(after) && isPlainObject(before)) {
      for (const key of Object.keys(after))
        walk(before[key], after[key], `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      return;
    }
    if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null))
      out.push({ pointer, current: before ?? null, proposed: after ?? null });
  };
  walk(current ?? {}, proposed, '');
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
