import { ConnectorError } from '@junction/connector-kit';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { Database } from '../db/schema.js';
import type { SyncLastRun } from '../db/tables/sync-tables.js';
import type { Logger } from '../log/create-logger.js';
import { noSyncCounters, type SyncCounters } from '../metrics/sync-counters.js';
import { applyChange, type ChangeOutcome } from './apply-change.js';
import { backfillUnderWay } from './backfill-lock.js';
import { detectDeletes } from './detect-deletes.js';
import type { RecordClient, SyncRecord } from './record-client.js';
import { recoverPending } from './recover-pending.js';
import { openSyncContext, type SyncContext } from './sync-context.js';
import { reads, type SideName } from './sync-definition.js';
import { type SyncJobPayload, scheduleNextRun } from './sync-schedule.js';

export interface SyncTaskDeps {
  readonly pool: pg.Pool;
  readonly db: Kysely<Database>;
  readonly records: RecordClient;
  readonly logger: Logger;
  readonly counters?: SyncCounters;
  /** Records read per page (default 200) and at most per side and run (default 5,000). */
  readonly pageSize?: number;
  readonly budget?: number;
  /** How far each read of changes reaches back before the last one seen (default 5,000 ms). */
  readonly overlapMs?: number;
}

/** Where change detection of a side left off (`sync_cursors.position`). */
interface Position {
  /** listChanged: the instant reads start from, the page position within a read, the newest seen. */
  since?: string;
  after?: string;
  high?: string;
  /** A full scan with `list` (no listChanged): the page cursor. */
  cursor?: string;
}

export type SyncRunOutcome =
  | { readonly kind: 'synced'; readonly counts: Readonly<Record<string, number>> }
  | { readonly kind: 'failed'; readonly message: string }
  | { readonly kind: 'busy' | 'off' };

/**
 * The `sync.poll` task: one run of a sync. A session advisory lock keeps it to one worker at a
 * time; each side the sync reads is read from its stored position (changed records with
 * `listChanged`, else a full keyset scan), each record applied (`applyChange`) and the position
 * saved after each page; deleted records are looked for on the sync's delete-scan schedule; the
 * next run is scheduled `intervalSeconds` later. A failure is thrown (graphile-worker retries
 * the job; the position saved so far is kept).
 */
export function createSyncTask(deps: SyncTaskDeps) {
  const counters = deps.counters ?? noSyncCounters;
  const pageSize = deps.pageSize ?? 200;
  const budget = deps.budget ?? 5_000;
  const overlapMs = deps.overlapMs ?? 5_000;
  const back = (instant: string) => new Date(Date.parse(instant) - overlapMs).toISOString();

  return async function runSync(payload: SyncJobPayload): Promise<SyncRunOutcome> {
    const { syncId } = payload;
    const client = await deps.pool.connect();
    const key = `sync:${syncId}`;
    try {
      // A backfill queued or running (waiting for its next attempt too) links the records both
      // sides hold by their match; change detection would create them on the other side
      // instead: this schedule comes back after it.
      if (await backfillUnderWay(deps.db, syncId)) {
        await scheduleNextRun(deps.db, syncId, 5, 'replace');
        return { kind: 'busy' };
      }
      const locked = await client.query<{ ok: boolean }>(
        'select pg_try_advisory_lock(hashtextextended($1, 21)) as ok',
        [key],
      );
      if (!locked.rows[0]?.ok) {
        // A reconciliation holds the lock while it re-checks a page of findings (or another
        // worker runs this sync): this schedule comes back after it; a schedule already set by
        // a run that holds the lock is kept.
        await scheduleNextRun(deps.db, syncId, 5, 'preserve_run_at');
        return { kind: 'busy' };
      }
      try {
        return await runLocked(syncId);
      } finally {
        await client.query('select pg_advisory_unlock(hashtextextended($1, 21))', [key]);
      }
    } finally {
      client.release();
    }
  };

  async function runLocked(syncId: string): Promise<SyncRunOutcome> {
    let intervalSeconds = 60;
    try {
      // Disabled or deleted: the schedule ends here (enabling schedules it again).
      const opened = await openSyncContext(
        { db: deps.db, records: deps.records, counters, logger: deps.logger },
        syncId,
      );
      if (!opened?.enabled) return { kind: 'off' };
      const { ctx } = opened;
      const { definition } = ctx;
      intervalSeconds = definition.intervalSeconds;
      const counts: Record<string, number> = {};
      const count = (outcome: ChangeOutcome | 'deleted') => {
        counts[outcome] = (counts[outcome] ?? 0) + 1;
      };
      const recovered = await recoverPending(ctx, deps.db, pageSize);
      if (recovered > 0) counts.recovered = recovered;
      let more = false;
      for (const side of ['a', 'b'] as const) {
        if (reads(definition, side)) more = (await readChanges(ctx, side, count)) || more;
      }
      // Both sides: a record gone from a side the sync only writes still has its link flagged.
      for (const side of ['a', 'b'] as const) {
        await detectDeletes(ctx, side, deps.db, pageSize, count);
      }
      // More changes than one run reads: the next run starts at once.
      await scheduleNextRun(deps.db, syncId, more ? 0 : intervalSeconds, 'replace');
      await saveLastRun(syncId, { at: new Date().toISOString(), ok: true, counts });
      if (Object.keys(counts).length > 0) deps.logger.info({ syncId, ...counts }, 'sync ran');
      return { kind: 'synced', counts };
    } catch (error) {
      // The schedule goes on: the next run at the interval, or when a rate limit ends. What was
      // saved (links, positions) stays; the failed page is read again.
      const retryAt = (error as { retryAt?: unknown }).retryAt;
      const at = retryAt instanceof Date && retryAt.getTime() > Date.now() ? retryAt : undefined;
      const seconds = at ? Math.max(1, (at.getTime() - Date.now()) / 1000) : intervalSeconds;
      const message = error instanceof Error ? error.message : String(error);
      await scheduleNextRun(deps.db, syncId, seconds, 'replace');
      await saveLastRun(syncId, {
        at: new Date().toISOString(),
        ok: false,
        error: message,
        ...(at ? { retryAt: at.toISOString() } : {}),
      });
      deps.logger.warn({ syncId, error: message }, 'sync run failed');
      return { kind: 'failed', message };
    }
  }

  async function saveLastRun(syncId: string, run: SyncLastRun) {
    await deps.db
      .updateTable('syncs')
      .set({ last_run: JSON.stringify(run) })
      .where('id', '=', syncId)
      .execute();
  }

  async function readChanges(
    ctx: SyncContext,
    side: SideName,
    count: (outcome: ChangeOutcome) => void,
  ): Promise<boolean> {
    const position = await loadPosition(ctx.syncId, side);
    const records = ctx.sides[side];
    const apply = async (page: readonly SyncRecord[]) => {
      for (const record of page) count(await applyChange(ctx, side, record));
    };
    let read = 0;
    const changed = async () => {
      try {
        return await records.listChanged({
          ...(position.since ? { since: position.since } : {}),
          ...(position.after ? { after: position.after } : {}),
          limit: pageSize,
        });
      } catch (error) {
        // A type that cannot list changes with these settings (no modified-at): full scans.
        if (error instanceof ConnectorError && error.kind === 'invalidInput' && read === 0)
          return undefined;
        throw error;
      }
    };
    while (records.offers('listChanged') && read < budget) {
      const page = await changed();
      if (page === undefined) break;
      if (page.records.length === 0) {
        // Caught up: the next read starts a little before the newest change seen.
        const high = position.high ?? position.since;
        await savePosition(ctx.syncId, side, high ? { since: back(high), high } : {});
        return false;
      }
      await apply(page.records);
      read += page.records.length;
      for (const record of page.records)
        position.high = newest(
          position.high,
          records.updatedAtField ? record[records.updatedAtField] : undefined,
        );
      position.after = page.next;
      await savePosition(ctx.syncId, side, position);
      if (read >= budget) return true;
    }
    while (read < budget) {
      const page = await records.list({
        ...(position.cursor ? { cursor: position.cursor } : {}),
        limit: pageSize,
      });
      await apply(page.records);
      read += page.records.length;
      position.cursor = page.next;
      await savePosition(ctx.syncId, side, page.next ? { cursor: page.next } : {});
      if (!page.next) return false;
    }
    return true;
  }

  async function loadPosition(syncId: string, side: SideName): Promise<Position> {
    const row = await deps.db
      .selectFrom('sync_cursors')
      .select('position')
      .where('sync_id', '=', syncId)
      .where('side', '=', side)
      .executeTakeFirst();
    return { ...((row?.position as Position | null) ?? {}) };
  }

  async function savePosition(syncId: string, side: SideName, position: Position) {
    await sql`insert into sync_cursors (sync_id, side, position) values (${syncId}, ${side}, ${JSON.stringify(position)})
      on conflict (sync_id, side) do update set position = excluded.position, updated_at = now()`.execute(
      deps.db,
    );
  }
}

/** The later of two instants (ISO 8601), ignoring what is not one. */
function newest(known: string | undefined, value: unknown): string | undefined {
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) return known;
  return known === undefined || Date.parse(value) > Date.parse(known) ? value : known;
}
