import { EventEmitter } from 'node:events';
import { runTaskList, type TaskList, type WorkerPool } from 'graphile-worker';
import type pg from 'pg';
import { createGraphileLogger } from '../db/graphile-logger.js';
import type { Logger } from '../log/create-logger.js';
import { type HeartbeatSettings, startHeartbeat } from './heartbeat.js';
import { releaseWorkerPools } from './heartbeat-reaper.js';

export interface WorkerSettings {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly tasks: TaskList;
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  /** Jobs fetched and locked at once by this process (1 or less: one at a time). */
  readonly localQueueSize: number;
  /**
   * How long fetched jobs may wait in the local queue for a free slot of this process before
   * they are given back to the database queue (default 1 s).
   */
  readonly localQueueTtlMs?: number;
  /** Heartbeat and dead-worker reaping (heartbeat.ts); omitted: neither. */
  readonly heartbeat?: HeartbeatSettings;
}

/** A running graphile-worker pool inside this process, replaced when it fails. */
export interface WorkerHandle {
  /** Whether a pool is taking jobs (false while a failed pool is being replaced). */
  readonly running: boolean;
  /** The current pool's id: what it writes into `locked_by`, and its heartbeat row's key. */
  readonly id: string;
  /**
   * Stops taking jobs and lets running ones finish. Jobs still running after `deadlineMs` are
   * released (failed with a retry) so another worker runs them.
   */
  stop(deadlineMs: number): Promise<void>;
}

/** Longest wait between two tries to reach the database after a pool failed (ms). */
const MAX_RETRY_DELAY_MS = 10_000;

/** One graphile-worker pool and its heartbeat. */
interface Launched {
  readonly workerPool: WorkerPool;
  readonly heartbeat: { stop(): Promise<void> } | undefined;
  /** Settles with the reason once the pool has failed or stopped on its own. */
  readonly failed: Promise<Error>;
  running: boolean;
  readonly shutdown: {
    /** Set when Junction starts a graceful shutdown of this pool. */
    stopping: boolean;
    /** Whether its local queue slipped on release (graphile-logger.ts `isLocalQueueReleaseSlip`). */
    releaseSlipped: boolean;
  };
}

/**
 * Runs the tasks on a graphile-worker pool, and starts a new pool when that one fails. In
 * graphile-worker 0.17 a pool whose completion of a job cannot be written (the database restarted
 * or was out of reach for a moment) shuts itself down for good, and its batched completions are
 * never retried (graphile/worker#636): this process would run no job again. Instead, once the
 * database answers, the failed pool's jobs are released (its runs queued again, their finished
 * steps kept) and a new pool takes over.
 */
export async function startWorker(settings: WorkerSettings): Promise<WorkerHandle> {
  const { logger } = settings;
  let current = await launch(settings);
  let stopped = false;
  let replacing: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  /** Ends the wait between two tries early (on stop). */
  let wake: () => void = () => {};

  const watch = (launched: Launched) => {
    void launched.failed.then((error) => {
      if (stopped || current !== launched) return;
      replacing = replace(launched, error).finally(() => {
        replacing = undefined;
      });
    });
  };

  async function replace(failed: Launched, error: Error): Promise<void> {
    logger.error(
      { err: error, workerPoolId: failed.workerPool.id },
      'the worker pool failed; a new one starts once the database answers',
    );
    await abandon(failed, logger);
    for (let delay = 250; !stopped; delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS)) {
      try {
        const released = await releaseWorkerPools(settings.pool, [failed.workerPool.id]);
        current = await launch(settings);
        watch(current);
        logger.info(
          {
            workerPoolId: current.workerPool.id,
            releasedJobs: released.jobs,
            requeuedRuns: released.runs,
          },
          'worker pool replaced',
        );
        return;
      } catch (retryError) {
        logger.warn({ err: retryError, retryInMs: delay }, 'the database does not answer yet');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  watch(current);
  logger.info({ concurrency: settings.concurrency }, 'worker started');

  async function stop(deadlineMs: number): Promise<void> {
    stopped = true;
    wake();
    await replacing;
    await stopPool(current, deadlineMs, settings);
    logger.info('worker stopped');
  }

  return {
    get running() {
      return !stopped && replacing === undefined && current.running;
    },
    get id() {
      return current.workerPool.id;
    },
    stop(deadlineMs) {
      stopping ??= stop(deadlineMs);
      return stopping;
    },
  };
}

/** Starts a graphile-worker pool and its heartbeat. */
async function launch(settings: WorkerSettings): Promise<Launched> {
  const { logger } = settings;
  const events = new EventEmitter();
  const shutdown = { stopping: false, releaseSlipped: false };
  // Not awaited: a WorkerPool is thenable, settling only when the pool stops.
  const workerPool: WorkerPool = runTaskList(
    {
      concurrency: settings.concurrency,
      pollInterval: settings.pollIntervalMs,
      noHandleSignals: true,
      events,
      // Batched completion is also the only mode whose writes graceful shutdown waits for: with
      // unbatched completion (-1), graphile-worker 0.17 does not await the completing query, so a
      // job finishing during shutdown could stay locked.
      preset: {
        worker: {
          completeJobBatchDelay: 0,
          failJobBatchDelay: 0,
          // Jobs are fetched (and locked) a batch at a time. Junction uses no named queues, so
          // graphile-worker 0.17's local queue cannot break their order; a record's order is
          // kept by its lane (claimRuns). Fetched jobs that find every slot of this process
          // busy (slow steps) go back to the database queue after `ttl` (graphile-worker's
          // default is 5 minutes), so a worker with a free slot runs them meanwhile; going back
          // costs them no attempt.
          ...(settings.localQueueSize > 1
            ? {
                localQueue: {
                  size: settings.localQueueSize,
                  ttl: settings.localQueueTtlMs ?? 1000,
                },
              }
            : {}),
        },
      },
      logger: createGraphileLogger(logger.child({ component: 'worker' }), {
        stopping: () => shutdown.stopping,
        onReleaseSlip: () => {
          shutdown.releaseSlipped = true;
        },
      }),
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
  const launched: Launched = {
    workerPool,
    heartbeat,
    running: true,
    shutdown,
    failed: new Promise<Error>((resolve) => {
      // A pool that cannot write a job's outcome emits this, then shuts down and may never
      // settle (its pending completions are never released).
      events.once('pool:fatalError', ({ error }: { error: unknown }) => resolve(asError(error)));
      workerPool.promise.then(
        () => resolve(new Error('the worker pool stopped')),
        (error: unknown) => resolve(asError(error)),
      );
    }),
  };
  void launched.failed.then(() => {
    launched.running = false;
  });
  return launched;
}

/**
 * Gives up a failed pool: stops its heartbeat and shuts it down at once, waiting a bounded time
 * (with the database away, its shutdown cannot release its jobs: `releaseWorkerPools` does).
 */
async function abandon(failed: Launched, logger: Logger): Promise<void> {
  await failed.heartbeat?.stop();
  const forceful = Promise.resolve(
    failed.workerPool.forcefulShutdown('Junction replaces this worker pool after a database error'),
  ).catch((error: unknown) => logger.debug({ err: error }, 'failed pool shut down with an error'));
  await Promise.race([forceful, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
}

/** Drains a pool until `deadlineMs`, then releases what still runs. */
async function stopPool(
  launched: Launched,
  deadlineMs: number,
  settings: WorkerSettings,
): Promise<void> {
  const { workerPool } = launched;
  const { logger } = settings;
  launched.shutdown.stopping = true;
  // The pool's promise settles only once every completion has been written.
  const graceful = Promise.all([workerPool.gracefulShutdown(), workerPool.promise]).catch(() => {});
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
  if (outcome === 'drained' && launched.shutdown.releaseSlipped) {
    // The slip returns the fetched jobs with a query nothing waits for: make sure none of them
    // stays locked by this pool (a no-op when that query has landed, as it does).
    const released = await releaseWorkerPools(settings.pool, [workerPool.id]).catch(
      (error: unknown) => logger.warn({ err: error }, 'could not release fetched jobs'),
    );
    logger.debug({ released }, 'fetched jobs returned to the queue');
  }
  launched.running = false;
  await launched.heartbeat?.stop();
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
