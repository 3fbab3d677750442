import { Logger as GraphileLogger } from 'graphile-worker';
import type { Logger } from '../log/create-logger.js';

/**
 * Routes graphile-worker's log lines into Junction's structured logger. Its per-job info lines
 * (one for every run) go to debug; warnings and errors keep their level.
 */
export function createGraphileLogger(logger: Logger): GraphileLogger {
  return new GraphileLogger((scope) => (level, message, meta) => {
    const fields = { scope: { label: scope.label, workerId: scope.workerId, jobId: scope.jobId } };
    const line = meta?.error ? { ...fields, err: meta.error } : fields;
    switch (level) {
      case 'error':
        logger.error(line, message);
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
