import type { Actor } from '../../connections/connection-store.js';
import type { EnableBackfill } from '../../sync/backfill-on-enable.js';
import type { SyncBulk } from '../../sync/sync-bulk.js';
import type { SyncRow, SyncStore, SyncView } from '../../sync/sync-store.js';
import { HttpProblem, problem } from '../problem.js';

/** The backfill an enable answers with. */
export interface EnabledBackfill {
  readonly id: string;
  readonly href: string;
  readonly started: boolean;
}

/**
 * Enables sync `row`; with `backfill` (and the bulk service), its backfill starts in the same
 * transaction unless one succeeded before or one is under way, and the enable's audit entry says
 * which (`backfill`, or `backfillSkipped`: `opted out`, `done before`, `under way`).
 */
export async function enableSync(
  deps: { store: SyncStore; bulk?: SyncBulk | undefined },
  row: SyncRow,
  backfill: boolean,
  by: Actor,
): Promise<{ enabled: SyncView; backfill: EnabledBackfill | null }> {
  const { bulk } = deps;
  let outcome: EnableBackfill | undefined;
  try {
    const enabled = await deps.store.setEnabled(row, true, by, async (trx) => {
      if (!backfill || !bulk) return { backfillSkipped: 'opted out' };
      outcome = await bulk.backfillOnEnable(trx, row.id, by);
      if (outcome?.kind === 'started') return { backfill: outcome.id };
      return { backfillSkipped: outcome?.kind ?? 'opted out' };
    });
    const answer =
      outcome && outcome.kind !== 'done before'
        ? {
            id: outcome.id,
            href: `/v1/syncs/${row.id}/backfills/${outcome.id}`,
            started: outcome.kind === 'started',
          }
        : null;
    return { enabled, backfill: answer };
  } catch (error) {
    // A backfill asked for at the same moment took the sync's one place: nothing changed.
    if ((error as { code?: string }).code !== '23505') throw error;
    throw new HttpProblem(
      problem(409, 'A backfill of this sync started meanwhile; nothing changed. Enable again.'),
    );
  }
}
