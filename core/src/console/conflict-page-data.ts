import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { createCodecs } from '../sync/sync-codec.js';
import { type ConflictRow, conflictView } from '../sync/sync-conflicts.js';
import { other, type SideName } from '../sync/sync-definition.js';
import type { SyncStore } from '../sync/sync-store.js';
import { conflictFields } from './conflict-fields.js';

/**
 * A parked conflict of sync `syncId` as its page shows it in side `shape`'s shape: the other
 * side's record mapped by the sync's current mapping (the one a resolution would use), field by
 * field beside this side's and the base; undefined when the sync has no such conflict.
 */
export async function conflictPageData(
  db: Kysely<Database>,
  store: SyncStore,
  syncId: string,
  conflictId: string,
  shape: SideName,
) {
  const [sync, row] = await Promise.all([
    db.selectFrom('syncs').selectAll().where('id', '=', syncId).executeTakeFirst(),
    db
      .selectFrom('sync_conflicts')
      .selectAll()
      .where('sync_id', '=', syncId)
      .where('id', '=', conflictId)
      .executeTakeFirst(),
  ]);
  if (!sync || !row) return undefined;
  const { definition, name } = await store.view(sync);
  const from = other(shape);
  const record = (side: SideName) => (side === 'a' ? row.a_record : row.b_record);
  const mapped =
    record(from) === null ? null : createCodecs(definition)[from].view(record(from) ?? {});
  const base = (row.base as Partial<Record<SideName, unknown>> | null)?.[from] ?? null;
  return {
    sync: { id: sync.id, name },
    row: row as ConflictRow,
    conflict: conflictView(row),
    shape,
    fields: conflictFields(shape, { own: record(shape), otherMapped: mapped?.mapped, base }),
  };
}
export type ConflictPageData = NonNullable<Awaited<ReturnType<typeof conflictPageData>>>;
