import os from 'node:os';
import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';
import { type Reaped, reapDeadWorkers, releaseOrphanedJobs } from './heartbeat-reaper.js';

/** How often a worker process proves it is alive, and when others give up on it. */
export interface HeartbeatSettings {
  /** Between two heartbeats (default 5 s). */
  readonly beatMs: number;
  /** Between two reaping passes (default 10 s). */
  readonly reapMs: number;
  /** A pool silent this long is dead and its jobs are released (default 30 s). */
  readonly deadAfterMs: number;
}

export const defaultHeartbeatSettings: HeartbeatSettings = {
  beatMs: 5000,
  reapMs: 10_000,
  deadAfterMs: 30_000,
};

export interface Heartbeat {
  /** Stops beating and reaping, and deletes this pool's heartbeat row. */
  stop(): Promise<void>;
}

/**
 * Heartbeats a graphile-worker pool into `worker_heartbeats` and reaps the pools of dead
 * processes (graphile-worker alone would leave their jobs locked for 4 hours). The first beat and
 * a release of jobs held by pools that never beat are done before this resolves.
 */
export async function startHeartbeat(options: {
  pool: pg.Pool;
  logger: Logger;
  workerPoolId: string;
  settings: HeartbeatSettings;
}): Promise<Heartbeat> {
  const { pool, logger, workerPoolId, settings } = options;
  const beat = async () => {
    const result = await pool.query<{ inserted: boolean }>(
      `insert into worker_heartbeats (worker_pool_id, hostname, pid, seen_at)
       values ($1, $2, $3, now())
       on conflict (worker_pool_id) do update set seen_at = now()
       returning (xmax = 0) as inserted`,
      [workerPoolId, os.hostname(), process.pid],
    );
    return result.rows[0]?.inserted ?? false;
  };
  const report = (reaped: Reaped, what: string) => {
    if (reaped.pools.length > 0) logger.warn({ ...reaped }, what);
  };

  await beat();
  report(
    await releaseOrphanedJobs(pool, settings.deadAfterMs),
    'released jobs of worker pools that never sent a heartbeat',
  );

  let stopped = false;
  let inFlight: Promise<unknown> = Promise.resolve();
  const guard = (work: () => Promise<void>) => () => {
    if (stopped) return;
    inFlight = inFlight.then(work).catch((error: unknown) => {
      logger.error({ err: error }, 'worker heartbeat failed');
    });
  };
  const beatTimer = setInterval(
    guard(async () => {
      if (await beat())
        logger.warn(
          { workerPoolId },
          'this worker was silent too long and declared dead: its jobs may have run elsewhere',
        );
    }),
    settings.beatMs,
  );
  const reapTimer = setInterval(
    guard(async () => {
      report(
        await reapDeadWorkers(pool, settings.deadAfterMs),
        'released jobs of dead worker pools',
      );
    }),
    settings.reapMs,
  );
  beatTimer.unref();
  reapTimer.unref();

  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(beatTimer);
      clearInterval(reapTimer);
      await inFlight;
      await pool
        .query('delete from worker_heartbeats where worker_pool_id = $1', [workerPoolId])
        .catch((error: unknown) => logger.warn({ err: error }, 'heartbeat row not deleted'));
    },
  };
}
