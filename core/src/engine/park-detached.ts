import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ExecuteResult } from '../executor/plugin-executor.js';
import type { Logger } from '../log/create-logger.js';
import type { DetachedCalls } from './detached-calls.js';
import { detachedParking } from './park-rows.js';
import { RunParked, StepFailure } from './run-stops.js';
import { type DetachedStep, settleDetached } from './settle-detached.js';
import type { StepLog } from './write-step.js';

/**
 * How long after its call's own timeout a detached step's wait expires: the call's failure
 * (timed out) settles it first while its process lives; the deadline is for a process that died.
 */
const DETACHED_GRACE_MS = 5000;

/** A call of an action that declares `detach`, which did not answer within its `afterMs`. */
export interface UnansweredCall extends Omit<DetachedStep, 'calling' | 'parked' | 'onAnswer'> {
  readonly calling: Promise<ExecuteResult>;
  readonly log: StepLog;
  readonly timeoutMs: number;
  /** The step's `<route>/<step>`, for an unknown outcome. */
  readonly stepId: string;
  /** Whether the action is idempotent for this input (known once the call was sent). */
  readonly idempotent: () => boolean;
  readonly onAnswer: (result: ExecuteResult) => void;
}

/**
 * Parks the run of a call with no answer yet, freeing its worker while the call goes on in this
 * process: its answer settles the step (settleDetached), or, if this process stops first, the
 * deadline does (retry for an idempotent action, else an operator decides). Throws RunParked once
 * the step's wait is in the step log; returns when this process takes no more detached calls
 * (`max` in flight, or stopping): the caller awaits the call in its worker slot then.
 */
export async function parkDetached(
  deps: { readonly db: Kysely<Database>; readonly logger: Logger; readonly calls: DetachedCalls },
  call: UnansweredCall,
): Promise<void> {
  const { calls } = deps;
  let parked: (held: boolean) => void = () => {};
  const parkedCommitted = new Promise<boolean>((resolve) => {
    parked = resolve;
  });
  const adopted = calls.adopt(() =>
    settleDetached(deps, {
      parking: call.parking,
      input: call.input,
      write: call.write,
      secrets: call.secrets,
      policy: call.policy,
      failureOf: call.failureOf,
      calling: call.calling.catch((error: unknown): ExecuteResult => {
        if (error instanceof StepFailure) return { ok: false, error: error.error };
        throw error;
      }),
      parked: parkedCommitted,
      onAnswer: call.onAnswer,
    }),
  );
  if (!adopted) return;
  const deadline = new Date(Date.now() + call.timeoutMs + DETACHED_GRACE_MS);
  try {
    await call.log.add(call.parking.context, {
      state: 'waiting',
      stepKey: call.parking.stepKey,
      input: call.input,
      output: { detached: call.parking.waitId, deadline: deadline.toISOString() },
      secrets: call.secrets(),
      parking: detachedParking(
        call.parking,
        deadline,
        call.idempotent() ? { kind: 'retry' } : { kind: 'unknown', step: call.stepId },
      ),
    });
  } catch (error) {
    parked(false);
    throw error;
  }
  throw new RunParked('waiting for a detached call', parked);
}
