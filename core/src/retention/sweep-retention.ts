import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  type ExpiredCounts,
  expiredTables,
  expireRuns,
  retentionTargetsQuery,
} from './expire-runs.js';

export interface RetentionOptions {
  /** Days runs are kept when their integration's definition sets no `retention.days`. */
  readonly defaultDays: number;
  /** Runs per batch (one statement, one transaction). */
  readonly batchSize?: number;
  /** Batches per sweep, all integrations together; the rest is left to the next sweep. */
  readonly maxBatches?: number;
  /** Pause between two batches (ms), so that the sweep never holds the database for long. */
  readonly pauseMs?: number;
  readonly now?: Date;
  /** Told the rows each batch deleted (metrics). */
  readonly onDeleted?: (counts: ExpiredCounts) => void;
}

export interface RetentionSweep {
  readonly deleted: ExpiredCounts;
  /** Whether expired runs were left for the next sweep (maxBatches reached). */
  readonly more: boolean;
}

/**
 * Deletes expired runs (see expireRunsQuery) of every integration, in batches of `batchSize`,
 * each its own short transaction, until none is left or `maxBatches` were run.
 */
export async function sweepRetention(
  db: Kysely<Database>,
  options: RetentionOptions,
): Promise<RetentionSweep> {
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 200;
  const now = (options.now ?? new Date()).getTime();
  const total = Object.fromEntries(expiredTables.map((t) => [t, 0])) as Record<
    keyof ExpiredCounts,
    number
  >;
  let batches = 0;
  const { rows: targets } = await retentionTargetsQuery().execute(db);
  for (const target of targets) {
    const cutoff = new Date(now - (target.days ?? options.defaultDays) * 86_400_000);
    for (;;) {
      if (batches >= maxBatches) return { deleted: total, more: true };
      batches += 1;
      const counts = await expireRuns(db, target.integration_id, cutoff, batchSize);
      for (const table of expiredTables) total[table] += counts[table];
      if (counts.runs > 0) options.onDeleted?.(counts);
      if (counts.runs < batchSize) break;
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  }
  return { deleted: total, more: false };
}
