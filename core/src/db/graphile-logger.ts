import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../log/create-logger.js';

/** What the graphile-worker logger needs to know of the pool it logs for. */
export interface GraphileLoggerOptions {
  /** Whether Junction is shutting this pool down gracefully (see `isLocalQueueReleaseSlip`). */
  readonly stopping?: () => boolean;
  /** Told when a line was kept at debug as a known slip of the local queue's release. */
  readonly onReleaseSlip?: () => void;
}

/**
 * Routes graphile-worker's log lines into Junction's structured logger. Its per-job info lines
 * (one for every run) go to debug; warnings and errors keep their level, except the known slip of
 * a local queue released while it held jobs during a graceful shutdown (see
 * `isLocalQueueReleaseSlip`), which goes to debug.
 */
export function createGraphileLogger(
  logger: Logger,
  options: GraphileLoggerOptions = {},
): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { scope: { label: scope.label, workerId: scope.workerId, jobId: scope.jobId } };
    const line = meta?.error ? { ...fields, err: meta.error } : fields;
    switch (level) {
      case 'error':
        if (options.stopping?.() && isLocalQueueReleaseSlip(meta?.error)) {
          options.onReleaseSlip?.();
          logger.debug(line, message);
        } else logger.error(line, message);
        break;
      case 'warning':
        logger.warn(line, message);
        break;
      case 'info':
        // "Completed task ..." for every job: a line per run is noise at info (runs have their
        // own record, metrics and API); kept at debug.
        if (meta?.success === true) logger.debug(line, message);
        else logger.info(line, message);
        break;
      default:
        logger.debug(line, message);
    }
  });
}

const SLIP = 'Cannot background something when the queue is already released';

/**
 * graphile-worker 0.17's local queue, released while it holds fetched jobs that no worker could
 * take yet (every worker busy), starts the query that returns them and then throws this error
 * from its own bookkeeping. The jobs are returned all the same, the running jobs finish, and the
 * pool reports the error five times (release, deactivation, graceful shutdown, then the forceful
 * shutdown it falls back to, which finds nothing left to stop). True when `error` is that error,
 * alone or as the only kind inside the AggregateErrors that carry it up.
 */
export function isLocalQueueReleaseSlip(error: unknown): boolean {
  if (error instanceof AggregateError)
    return error.errors.length > 0 && error.errors.every(isLocalQueueReleaseSlip);
  return error instanceof Error && error.message === SLIP;
}
