import type { ConnectorError, InvalidInputError } from '@junction/connector-kit';
import type { RetryPolicy } from './backoff.js';

/** A step parked the run: the step (with its wait) is in the step log, to be stored with it. */
export class RunParked extends Error {
  constructor(
    readonly outcome: string,
    /** Told whether the attempt's `waiting` outcome was stored (a detached call's settlement). */
    readonly parked?: (held: boolean) => void,
  ) {
    super(outcome);
  }
}

/**
 * Why a run stops: the error recorded, and whether another attempt may help. `unknownStep`: a
 * non-idempotent step that failed after it was sent, so whether it took effect is unknown.
 */
export class StepFailure extends Error {
  /** The failing step's own retry settings, over the integration's. */
  stepRetry: Partial<RetryPolicy> | undefined;
  constructor(
    readonly error: ConnectorError | InvalidInputError,
    readonly retryAt?: Date,
    readonly unknownStep?: string,
  ) {
    super(error.message);
  }
}
