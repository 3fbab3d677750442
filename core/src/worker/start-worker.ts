import { runTaskList, type TaskList, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import { createGraphileLogger } from '../db/graphile-logger.js';
import type { Logger } from '../log/create-logger.js';
import { type HeartbeatSettings, startHeartbeat } from './heartbeat.js';

export interface WorkerSettings {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly tasks: TaskList;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  /** Jobs fetched and locked at once by this process (1 or less: one at a time). */
  readonly localQueueSize: number;
  /** Heartbeat and dead-worker reaping (heartbeat.ts); omitted: neither. */
  readonly heartbeat?: HeartbeatSettings;
}

/** A running graphile-worker pool inside this process. */
export interface WorkerHandle {
  readonly running: boolean;
  /** graphile-worker's pool id: what it writes into `locked_by`, and the heartbeat row's key. */
  readonly id: string;
  /**
   * Stops taking jobs and lets running ones finish. Jobs still running after `deadlineMs` are
   * released (failed with a retry) so another worker runs them.
   */
  stop(deadlineMs: number): Promise<void>;
}

export async function startWorker(settings: WorkerSettings): Promise<WorkerHandle> {
  const { logger } = settings;
  // Not awaited: a WorkerPool is thenable, settling only when the pool stops.
  const workerPool: WorkerPool = runTaskList(
    {
      concurrency: settings.concurrency,
      pollInterval: settings.pollIntervalMs,
      noHandleSignals: true,
      // Batched completion is also the only mode whose writes graceful shutdown waits for: with
      // unbatched completion (-1), graphile-worker 0.17 does not await the completing query, so a
      // job finishing during shutdown could stay locked.
      preset: {
        worker: {
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
          // Jobs are fetched (and locked) a batch at a time. Junction uses no named queues, so
          // graphile-worker 0.17's local queue cannot break their order; a record's order is
          // kept by its lane (claimRuns).
          ...(settings.localQueueSize > 1 ? { localQueue: { size: settings.localQueueSize } } : {}),
        },
      },
      logger: createGraphileLogger(logger.child({ component: 'worker' })),
    },
    settings.tasks,
    settings.pool,
  );
  const heartbeat = settings.heartbeat
    ? await startHeartbeat({
        pool: settings.pool,
        logger,
        workerPoolId: workerPool.id,
        settings: settings.heartbeat,
      }).catch(async (error: unknown) => {
        await Promise.resolve(workerPool.gracefulShutdown()).catch(() => {});
        throw error;
      })
    : undefined;
  let running = true;
  let stopping: Promise<void> | undefined;
  workerPool.promise.then(
    () => {
      running = false;
    },
    (error: unknown) => {
      running = false;
      logger.error({ err: error }, 'worker stopped with an error');
    },
  );
  logger.info({ concurrency: settings.concurrency }, 'worker started');

  async function stop(deadlineMs: number): Promise<void> {
    // The pool's promise settles only once every completion has been written.
    const graceful = Promise.all([workerPool.gracefulShutdown(), workerPool.promise]).catch(
      () => {},
    );
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const outcome = await Promise.race([graceful.then(() => 'drained' as const), deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      logger.warn(
        { deadlineMs },
        'shutdown deadline reached: releasing running jobs to other workers',
      );
      await Promise.resolve(
        workerPool.forcefulShutdown('Junction worker shut down before the job finished'),
      ).catch(() => {});
    }
    running = false;
    await heartbeat?.stop();
    logger.info('worker stopped');
  }

  return {
    get running() {
      return running;
    },
    id: workerPool.id,
    stop(deadlineMs) {
      stopping ??= stop(deadlineMs);
      return stopping;
    },
  };
}
