import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { pruneAuditBodies } from './prune-audit-bodies.js';
import { sealAuditEntries } from './seal-audit-entries.js';

export interface AuditSealerSettings {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** Pause between rounds; default 1000 ms. */
  readonly intervalMs?: number;
  /** Drop bodies older than this many days; unset keeps them forever. */
  readonly retentionDays?: number;
  /** How often retention runs; default one hour (first round at start). */
  readonly retentionIntervalMs?: number;
}

/** The sealer loop of one process; `stop()` waits for the round in progress. */
export interface AuditSealer {
  /** Seals everything committed so far (waits for another process's sealer if it holds the lock). */
  sealNow(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs`, links committed entries into the chain (one process at a time, by advisory
 * lock) and, when a retention period is set, drops old bodies. Runs in every worker process.
 */
export function startAuditSealer(settings: AuditSealerSettings): AuditSealer {
  const { db } = settings;
  const logger = settings.logger.child({ component: 'audit-sealer' });
  const intervalMs = settings.intervalMs ?? 1000;
  const retentionIntervalMs = settings.retentionIntervalMs ?? 3_600_000;
  let lastRetention = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();

  const sealAll = async (): Promise<number> => {
    let total = 0;
    for (;;) {
      const { sealed } = await sealAuditEntries(db);
      total += sealed;
      if (sealed < 1000 || stopped) return total;
    }
  };

  const tick = async () => {
    try {
      await sealAll();
      const days = settings.retentionDays;
      if (days !== undefined && Date.now() - lastRetention >= retentionIntervalMs) {
        const { locked, dropped } = await pruneAuditBodies(db, { retentionDays: days });
        if (locked) lastRetention = Date.now();
        if (dropped > 0) logger.info({ dropped, retentionDays: days }, 'audit bodies dropped');
      }
    } catch (error) {
      logger.error({ err: error }, 'audit sealer round failed; retrying');
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      round = tick().then(schedule);
    }, intervalMs);
  };
  round = tick().then(schedule);

  return {
    async sealNow() {
      let total = 0;
      for (;;) {
        const result = await sealAuditEntries(db);
        total += result.sealed;
        if (result.locked && result.sealed < 1000) return total;
        if (!result.locked) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await round;
    },
  };
}
