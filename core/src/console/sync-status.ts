import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SyncLinkState } from '../db/tables/sync-tables.js';

/** Links counted up to this many; past it a page says "at least". */
export const linkCountCap = 100_000;

/** What the console shows of one sync's state: links, open conflicts, each side's cursor. */
export interface SyncStatus {
  /** Links of the sync, counted up to {@link linkCountCap}. */
  readonly links: number;
  /** Links that are not `active`, by state (conflict, flagged, pending, deleted, archived). */
  readonly byState: Readonly<Partial<Record<SyncLinkState, number>>>;
  readonly openConflicts: number;
  readonly cursors: readonly {
    readonly side: 'a' | 'b';
    readonly position: unknown;
    readonly scannedAt: string | null;
    readonly updatedAt: string;
  }[];
}

/**
 * Reads a sync's state, each count bounded by an index: links up to {@link linkCountCap}
 * (`sync_links_a`), the other states through the partial `sync_links_state`, open conflicts
 * through `sync_conflicts_list`.
 */
export async function syncStatus(db: Kysely<Database>, syncId: string): Promise<SyncStatus> {
  const [links, states, conflicts, cursors] = await Promise.all([
    sql<{ n: number }>`select count(*)::int as n from (
        select 1 from sync_links where sync_id = ${syncId} limit ${linkCountCap}) l`.execute(db),
    db
      .selectFrom('sync_links')
      .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
      .where('sync_id', '=', syncId)
      .where('state', '<>', 'active')
      .groupBy('state')
      .execute(),
    sql<{ n: number }>`select count(*)::int as n from (
        select 1 from sync_conflicts where sync_id = ${syncId} and state = 'open'
        limit ${linkCountCap}) c`.execute(db),
    db
      .selectFrom('sync_cursors')
      .select(['side', 'position', 'scanned_at', 'updated_at'])
      .where('sync_id', '=', syncId)
      .orderBy('side')
      .execute(),
  ]);
  return {
    links: links.rows[0]?.n ?? 0,
    byState: Object.fromEntries(states.map((s) => [s.state, Number(s.n)])),
    openConflicts: conflicts.rows[0]?.n ?? 0,
    cursors: cursors.map((c) => ({
      side: c.side,
      position: c.position,
      scannedAt: c.scanned_at === null ? null : new Date(c.scanned_at).toISOString(),
      updatedAt: new Date(c.updated_at).toISOString(),
    })),
  };
}

/** The latest open conflicts of a sync (at most `limit`), newest first. */
export async function openConflicts(db: Kysely<Database>, syncId: string, limit = 20) {
  const rows = await db
    .selectFrom('sync_conflicts')
    .select(['id', 'a_key', 'b_key', 'a_record', 'b_record', 'base', 'created_at'])
    .where('sync_id', '=', syncId)
    .where('state', '=', 'open')
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    aKey: r.a_key,
    bKey: r.b_key,
    aRecord: r.a_record,
    bRecord: r.b_record,
    base: r.base,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}
export type OpenConflict = Awaited<ReturnType<typeof openConflicts>>[number];
