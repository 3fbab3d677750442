import type { Kysely } from 'kysely';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { SyncLastRun } from '../db/tables/sync-tables.js';
import type { VersionedRow } from '../versioned/versioned-kinds.js';
import { createVersionedStore, type VersionedView } from '../versioned/versioned-store.js';
import { deleteBulkRuns } from './bulk-views.js';
import type { SyncDefinition } from './sync-definition.js';
import { scheduleSync, unscheduleSync } from './sync-schedule.js';
import { validateSync } from './validate-sync.js';

export type SyncRow = VersionedRow<'sync'>;

export interface SyncView extends VersionedView<SyncDefinition> {
  /** What its last run did (counts by outcome) or why it failed; null before the first. */
  readonly lastRun: SyncLastRun | null;
}

/** Sync definitions: checked, versioned, audited, and their schedules kept with them. */
export function createSyncStore(deps: { db: Kysely<Database>; connectors: ConnectorSource }) {
  const { db, connectors } = deps;

  async function check(definition: SyncDefinition): Promise<SyncDefinition> {
    const ids = [definition.a.connection, definition.b.connection].filter(
      (id): id is string => id !== undefined,
    );
    const rows = ids.length
      ? await db
          .selectFrom('connections')
          .select(['id', 'connector_id'])
          .where('id', 'in', ids)
          .execute()
      : [];
    const byId = new Map(rows.map((r) => [r.id, { connector: r.connector_id }]));
    const { problems, pinned } = validateSync(definition, connectors, (id) => byId.get(id));
    if (problems.length > 0) throw new ConfigProblem(problems);
    return pinned;
  }

  const versioned = createVersionedStore({
    db,
    kind: 'sync',
    check,
    fields: (row) => ({ lastRun: row.last_run }),
    details: async () => ({}),
    on: {
      /** Turns change detection on (its first run now) or off. */
      enabled: (trx, id, enabled) =>
        enabled ? scheduleSync(trx, id, 0, 'replace') : unscheduleSync(trx, id),
    },
  });

  return {
    ...versioned,

    /**
     * Deletes a disabled sync with its links, cursors, conflicts, backfills and reconciliations (the records on both sides
     * stay); its versions stay for the audit trail.
     */
    async remove(row: SyncRow, by: Actor): Promise<void> {
      if (row.enabled) throw new ConfigProblem([], 'Disable the sync before deleting it.', 409);
      await db.transaction().execute(async (trx) => {
        const gone = await trx
          .deleteFrom('syncs')
          .where('id', '=', row.id)
          .where('revision', '=', row.revision)
          .executeTakeFirst();
        if (gone.numDeletedRows === 0n) throw versioned.stale();
        const links = await trx.deleteFrom('sync_links').where('sync_id', '=', row.id).execute();
        await trx.deleteFrom('sync_cursors').where('sync_id', '=', row.id).execute();
        await trx.deleteFrom('sync_conflicts').where('sync_id', '=', row.id).execute();
        await deleteBulkRuns(trx, row.id);
        await unscheduleSync(trx, row.id);
        await versioned.audit(trx, by, 'delete', row.id, {
          version: row.current_version,
          links: Number(links[0]?.numDeletedRows ?? 0n),
        });
      });
    },
  };
}

export type SyncStore = ReturnType<typeof createSyncStore>;
