import type { ConnectorError, InvalidInputError } from '@junction/connector-kit';
import type { Selectable } from 'kysely';
import type { RunsTable } from '../db/tables/run-tables.js';
import type { AttemptEnd } from './attempt-ender.js';
import { nextAttemptAt, type RetryPolicy } from './backoff.js';

/** The error of a run whose `sending` step has an unknown outcome. */
export function unknownOutcome(step: string, cause?: ConnectorError | InvalidInputError) {
  return {
    kind: 'unknownOutcome',
    step,
    message: `Step "${step}" is not idempotent and was sent, but whether it took effect is unknown${
      cause ? ` (${cause.message})` : ' (its attempt ended without storing its outcome)'
    }: it is not sent again by itself. Check the target, then POST /v1/runs/{id}/decide with {"decision": "done", "output": ...} or {"decision": "send-again"}.`,
    ...(cause ? { cause: cause.toJSON() } : {}),
  };
}

/** How a failed attempt ends: retried, dead, or waiting for an operator (unknown outcome). */
export type FailedEnd =
  | { readonly state: 'dead'; readonly outcome: string; readonly error: unknown }
  | Extract<AttemptEnd, { state: 'failed' | 'unknown' }>;

/** How an attempt that failed with `error` ends, the failing step's retry settings applied. */
export interface Failure {
  readonly error: ConnectorError | InvalidInputError;
  /** A rate limit's own time for the next attempt. */
  readonly retryAt?: Date | undefined;
  /** `<route>/<step>` of a non-idempotent step sent with an unknown outcome. */
  readonly unknownStep?: string | undefined;
}

/**
 * How an attempt that failed ends, under the retry policy: the run is tried again (after backoff,
 * or a rate limit's own time: a deferral, which uses up only the time budget), dead (not
 * retryable, attempts or time budget exhausted), or `unknown` (a non-idempotent step was sent and
 * whether it took effect is unknown: an operator decides). `resumedWaits` counts the claims that
 * only resumed a parked run (not attempts of the retry budget); it is asked only when needed.
 */
export async function failureEnd(
  run: Pick<Selectable<RunsTable>, 'attempts' | 'deferrals' | 'created_at'>,
  policy: RetryPolicy,
  failure: Failure,
  resumedWaits: () => Promise<number>,
): Promise<FailedEnd> {
  const { error, retryAt } = failure;
  if (failure.unknownStep !== undefined)
    return { state: 'unknown', error: unknownOutcome(failure.unknownStep, error) };
  // A rate limit (a 429, Retry-After, Junction's throttle) defers the attempt: it does not
  // use up maxAttempts, only the time budget, so a sustained rate limit leaves no run dead.
  const deferred = error.kind === 'rateLimited';
  let counted = run.attempts - run.deferrals;
  // Claims that resumed a parked run are not attempts of the retry budget either.
  if (counted >= policy.maxAttempts) counted -= await resumedWaits();
  const inBudget =
    Date.now() - new Date(run.created_at).getTime() < policy.maxElapsedSeconds * 1000;
  const retry = inBudget && error.retryable && (deferred || counted < policy.maxAttempts);
  if (!retry)
    return {
      state: 'dead',
      error: error.toJSON(),
      outcome: !error.retryable
        ? 'not retryable'
        : inBudget
          ? 'attempts exhausted'
          : 'time budget exhausted',
    };
  return {
    state: 'failed',
    // A rate limit's own time when it gives one; else backoff.
    retryAt:
      deferred && retryAt
        ? retryAt
        : nextAttemptAt(policy, deferred ? run.deferrals + 1 : counted, retryAt),
    error: error.toJSON(),
    deferred,
  };
}
