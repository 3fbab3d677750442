import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { promoteStrandedRuns } from './run-finisher.js';

/** Every few seconds, queues pending runs left with nothing ahead of them (see promoteStrandedRuns). */
export function startLaneSweeper(db: Kysely<Database>, logger: Logger, everyMs = 5000) {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running
      .then(async () => {
        const promoted = await promoteStrandedRuns(db);
        if (promoted > 0)
          logger.info({ promoted }, 'queued pending runs with nothing left ahead of them');
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'lane sweep failed'));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
