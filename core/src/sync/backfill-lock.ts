import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** The session advisory lock of a sync, as its poll (sync-task.ts) takes it. */
const lockKey = (syncId: string) => sql`hashtextextended(${`sync:${syncId}`}, 21)`;

/**
 * Runs `work` holding the sync's lock on a connection of its own (waiting for a poll under way to
 * end): no change detection creates records while a backfill does. A killed worker's connection
 * closes, and the lock goes with it.
 */
export function withSyncLock<T>(
  db: Kysely<Database>,
  syncId: string,
  work: () => Promise<T>,
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${lockKey(syncId)})`.execute(conn);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(${lockKey(syncId)})`.execute(conn);
    }
  });
}

/** Whether a backfill of the sync is queued or running (its poll then comes back later). */
export async function backfillUnderWay(db: Kysely<Database>, syncId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sync_backfills')
    .select('id')
    .where('sync_id', '=', syncId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirst();
  return row !== undefined;
}
