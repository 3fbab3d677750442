import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ReconciliationPage } from '../../console/reconciliation-page.js';
import { driftPage, findReconciliation } from '../../console/sync-drift.js';
import { latestSyncRuns } from '../../console/sync-runs.js';
import { SyncRunTables } from '../../console/sync-runs-section.js';
import { openConflicts, syncStatus } from '../../console/sync-status.js';
import { type SyncLine, SyncPage, SyncsPage } from '../../console/syncs-page.js';
import type { Database } from '../../db/schema.js';
import type { SyncBulk } from '../../sync/sync-bulk.js';
import type { SyncStore } from '../../sync/sync-store.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  can,
  consolePermission,
  errorPage,
  takeFlash,
} from './console-support.js';

/**
 * Console syncs: the list with each sync's state; one sync's backfills and reconciliations
 * (started here, their progress refreshed in place), cursors, open conflicts and the latest
 * drift report; a reconciliation's whole report page by page, and its repair. Starts and repairs
 * go through the service the API's routes call (`SyncBulk`), so they are checked, queued and
 * audited the same way.
 */
export function consoleSyncPages(deps: {
  db: Kysely<Database>;
  store: SyncStore;
  bulk?: SyncBulk | undefined;
  /** Whether conflicts can be resolved here (the record client is there). */
  resolves: boolean;
}) {
  const { db, store, bulk } = deps;
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
  const findSync = (id: string) =>
    db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirst();
  const syncHref = (id: string) => `/console/syncs/${encodeURIComponent(id)}`;
  const by = (c: ConsoleContext) => ({
    actor: actorOf(c.get('session').principal),
    requestId: c.get('requestId'),
  });
  const noSync = (c: ConsoleContext) => errorPage(c, 404, `No sync with id ${c.req.param('id')}.`);

  return (console: Hono<ConsoleEnv>) => {
    const read = consolePermission(db, 'read');
    const operate = consolePermission(db, 'runs:operate');

    console.get('/syncs', read, async (c) => {
      const rows = await db.selectFrom('syncs').selectAll().orderBy('name').limit(100).execute();
      return c.html(
        <SyncsPage session={c.get('session')} syncs={await Promise.all(rows.map(line))} />,
      );
    });

    console.get('/syncs/:id', read, async (c) => {
      const row = await findSync(c.req.param('id'));
      if (!row) return noSync(c);
      const [sync, conflicts, runs] = await Promise.all([
        line(row),
        openConflicts(db, row.id),
        latestSyncRuns(db, row.id),
      ]);
      const latest = runs.reconciliations[0];
      const operates = can(c, 'runs:operate');
      return c.html(
        <SyncPage
          session={c.get('session')}
          sync={sync}
          conflicts={conflicts}
          runs={runs}
          drift={
            latest && {
              reconciliation: latest,
              items: (await driftPage(db, latest.id, { limit: 20 })).items,
            }
          }
          can={{
            start: operates && bulk !== undefined,
            repair: operates && bulk !== undefined,
            resolve: operates && deps.resolves,
          }}
          flash={takeFlash(c)}
        />,
      );
    });

    // The part of a sync's page that refreshes in place while a backfill or reconciliation runs.
    console.get('/syncs/:id/runs', read, async (c) => {
      const row = await findSync(c.req.param('id'));
      if (!row) return noSync(c);
      return c.html(<SyncRunTables syncId={row.id} {...(await latestSyncRuns(db, row.id))} />);
    });

    console.get('/syncs/:id/reconciliations/:rid', read, async (c) => {
      const row = await findSync(c.req.param('id'));
      if (!row) return noSync(c);
      const rid = c.req.param('rid');
      const reconciliation = await findReconciliation(db, row.id, rid);
      if (!reconciliation) return errorPage(c, 404, `No reconciliation ${rid} of this sync.`);
      const after = c.req.query('after') || undefined;
      if (after !== undefined && !/^\d{1,19}$/.test(after))
        return errorPage(c, 400, 'That page of the report does not exist; start from the first.');
      const page = await driftPage(db, rid, { after, limit: 50 });
      return c.html(
        <ReconciliationPage
          session={c.get('session')}
          sync={{ id: row.id, name: row.name }}
          reconciliation={reconciliation}
          page={{ ...page, after }}
          canRepair={can(c, 'runs:operate') && bulk !== undefined}
          flash={takeFlash(c)}
        />,
      );
    });

    if (!bulk) return;

    for (const kind of ['backfill', 'reconciliation'] as const) {
      const path = kind === 'backfill' ? '/syncs/:id/backfill' : '/syncs/:id/reconciliations';
      console.post(path, operate, async (c) => {
        const id = c.req.param('id');
        const outcome =
          kind === 'backfill'
            ? await bulk.startBackfill(id, by(c))
            : await bulk.startReconciliation(id, by(c));
        if (outcome.kind === 'not-found') return noSync(c);
        if (outcome.kind === 'busy')
          return back(
            c,
            `${syncHref(id)}#bulk`,
            'problem',
            `A ${kind} of this sync is already under way (${outcome.id}); wait for it to end.`,
          );
        const { id: run, state } = outcome.view;
        const done = `The ${kind} ${run} is ${state}; its progress shows below.`;
        return back(c, `${syncHref(id)}#bulk`, 'done', done);
      });
    }

    console.post('/syncs/:id/reconciliations/:rid/repair', operate, async (c) => {
      const { id, rid } = c.req.param();
      const outcome = await bulk.repair(id, rid, by(c));
      if (outcome.kind === 'not-found')
        return errorPage(c, 404, `No reconciliation ${rid} of sync ${id}.`);
      const here = `${syncHref(id)}/reconciliations/${encodeURIComponent(rid)}`;
      if (outcome.kind === 'not-finished')
        return back(
          c,
          here,
          'problem',
          `The reconciliation is ${outcome.state}; only a finished one can be repaired.`,
        );
      const { repaired, skipped, failed } = outcome.totals;
      return back(
        c,
        here,
        failed > 0 ? 'problem' : 'done',
        `Repaired ${repaired} item(s), skipped ${skipped}, failed ${failed}; each item says what was done.`,
      );
    });
  };
}
