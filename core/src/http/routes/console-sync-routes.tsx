import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { latestDrift } from '../../console/sync-drift.js';
import { openConflicts, syncStatus } from '../../console/sync-status.js';
import { type SyncLine, SyncPage, SyncsPage } from '../../console/syncs-page.js';
import type { Database } from '../../db/schema.js';
import type { SyncStore } from '../../sync/sync-store.js';
import { type ConsoleEnv, consolePermission, errorPage } from './console-support.js';

/**
 * Console syncs, read-only: the list with each sync's state; one sync's cursors, open conflicts
 * and the latest reconciliation's drift report.
 */
export function consoleSyncPages(db: Kysely<Database>, store: SyncStore) {
  const line = async (row: Parameters<SyncStore['view']>[0]): Promise<SyncLine> => {
    const [view, status] = await Promise.all([store.view(row), syncStatus(db, row.id)]);
    return {
      id: view.id,
      name: view.name,
      enabled: view.enabled,
      version: view.version,
      updatedAt: view.updatedAt,
      definition: view.definition,
      status,
    };
  };
  return (console: Hono<ConsoleEnv>) => {
    const read = consolePermission(db, 'read');

    console.get('/syncs', read, async (c) => {
      const rows = await db.selectFrom('syncs').selectAll().orderBy('name').limit(100).execute();
      return c.html(
        <SyncsPage session={c.get('session')} syncs={await Promise.all(rows.map(line))} />,
      );
    });

    console.get('/syncs/:id', read, async (c) => {
      const row = await db
        .selectFrom('syncs')
        .selectAll()
        .where('id', '=', c.req.param('id'))
        .executeTakeFirst();
      if (!row) return errorPage(c, 404, `No sync with id ${c.req.param('id')}.`);
      const [sync, conflicts, drift] = await Promise.all([
        line(row),
        openConflicts(db, row.id),
        latestDrift(db, row.id),
      ]);
      return c.html(
        <SyncPage session={c.get('session')} sync={sync} conflicts={conflicts} drift={drift} />,
      );
    });
  };
}
