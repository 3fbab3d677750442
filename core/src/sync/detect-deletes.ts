import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SyncContext } from './sync-context.js';
import type { SideName } from './sync-definition.js';
import { handleGone } from './sync-writes.js';

/**
 * Finds the linked records gone from `side`, when its last full scan is older than the sync's
 * `deleteScanSeconds`: lists every key of the side (keyset pages), then walks the side's active
 * links in id order and hands each whose key was not listed to the delete policy. Memory: one key
 * per record of the side while it runs.
 */
export async function detectDeletes(
  ctx: SyncContext,
  side: SideName,
  db: Kysely<Database>,
  pageSize: number,
  count: (outcome: 'deleted') => void,
): Promise<void> {
  const due = await sql<{ due: boolean }>`
    select coalesce(max(scanned_at) < now() - make_interval(secs => ${ctx.definition.deleteScanSeconds}::double precision), true) as due
    from sync_cursors where sync_id = ${ctx.syncId} and side = ${side}`.execute(db);
  if (!due.rows[0]?.due) return;
  const records = ctx.sides[side];
  const keys = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await records.list({ ...(cursor ? { cursor } : {}), limit: pageSize });
    for (const record of page.records) keys.add(records.keyOf(record));
    cursor = page.next;
  } while (cursor !== undefined);
  const column = side === 'a' ? 'a_key' : 'b_key';
  let after = '0';
  for (;;) {
    const links = await db
      .selectFrom('sync_links')
      .selectAll()
      .where('sync_id', '=', ctx.syncId)
      .where('state', '=', 'active')
      .where(column, 'is not', null)
      .where('id', '>', after)
      .orderBy('id')
      .limit(1000)
      .execute();
    for (const link of links) {
      const key = link[column] as string;
      if (keys.has(key)) continue;
      await handleGone(ctx, side, link);
      count('deleted');
    }
    const last = links.at(-1);
    if (!last || links.length < 1000) break;
    after = last.id;
  }
  await sql`insert into sync_cursors (sync_id, side, scanned_at) values (${ctx.syncId}, ${side}, now())
    on conflict (sync_id, side) do update set scanned_at = now(), updated_at = now()`.execute(db);
}
