import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { SyncLastRun, SyncsTable } from '../db/tables/sync-tables.js';
import { deleteBulkRuns } from './bulk-views.js';
import type { SyncDefinition } from './sync-definition.js';
import { scheduleSync, unscheduleSync } from './sync-schedule.js';
import { validateSync } from './validate-sync.js';

export type SyncRow = Selectable<SyncsTable>;

export interface SyncView {
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly version: number;
  readonly revision: number;
  readonly definition: SyncDefinition;
  /** What its last run did (counts by outcome) or why it failed; null before the first. */
  readonly lastRun: SyncLastRun | null;
  readonly createdAt: string;
  readonly updatedAt: string;
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

  async function definitionOf(id: string, version: number): Promise<SyncDefinition> {
    const row = await db
      .selectFrom('sync_versions')
      .select('definition')
      .where('sync_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirstOrThrow();
    return row.definition as SyncDefinition;
  }

  async function view(row: SyncRow): Promise<SyncView> {
    return {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      version: row.current_version,
      revision: row.revision,
      definition: await definitionOf(row.id, row.current_version),
      lastRun: row.last_run,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  /** Applies a change to the sync row only if nobody changed it since `row` was read. */
  async function bump(
    trx: Transaction<Database>,
    row: SyncRow,
    set: Partial<{ name: string; enabled: boolean; current_version: number }>,
  ): Promise<SyncRow> {
    const updated = await trx
      .updateTable('syncs')
      .set((eb) => ({ ...set, revision: eb('revision', '+', 1), updated_at: new Date() }))
      .where('id', '=', row.id)
      .where('revision', '=', row.revision)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new ConfigProblem([], 'The sync changed meanwhile; read it again.', 412);
    return updated;
  }

  const audit = (
    trx: Transaction<Database>,
    by: Actor,
    action: string,
    id: string,
    data: Record<string, unknown>,
  ) =>
    recordAudit(trx, {
      actor: by.actor,
      action,
      subjectType: 'sync',
      subjectId: id,
      requestId: by.requestId,
      data,
    });

  return {
    view,
    definitionOf,

    get(id: string): Promise<SyncRow | undefined> {
      return db.selectFrom('syncs').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async create(definition: SyncDefinition, by: Actor): Promise<SyncView> {
      const pinned = await check(definition);
      const id = `syn_${randomUUID()}`;
      const row = await db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('syncs')
          .values({ id, name: pinned.name, current_version: 1, created_by: by.actor })
          .returningAll()
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('sync_versions')
          .values({
            sync_id: id,
            version: 1,
            definition: JSON.stringify(pinned),
            created_by: by.actor,
          })
          .execute();
        await audit(trx, by, 'sync.create', id, { version: 1, after: pinned });
        return inserted;
      });
      return view(row);
    },

    /** Saves `definition` as a new immutable version and makes it current. */
    async update(row: SyncRow, definition: SyncDefinition, by: Actor): Promise<SyncView> {
      const pinned = await check(definition);
      const before = await definitionOf(row.id, row.current_version);
      const version = row.current_version + 1;
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { name: pinned.name, current_version: version });
        await trx
          .insertInto('sync_versions')
          .values({
            sync_id: row.id,
            version,
            definition: JSON.stringify(pinned),
            created_by: by.actor,
          })
          .execute();
        await audit(trx, by, 'sync.update', row.id, { version, before, after: pinned });
        return next;
      });
      return view(updated);
    },

    /** Turns change detection on (its first run now) or off. */
    async setEnabled(row: SyncRow, enabled: boolean, by: Actor): Promise<SyncView> {
      if (row.enabled === enabled) return view(row);
      const updated = await db.transaction().execute(async (trx) => {
        const next = await bump(trx, row, { enabled });
        if (enabled) await scheduleSync(trx, row.id, 0, 'replace');
        else await unscheduleSync(trx, row.id);
        await audit(trx, by, enabled ? 'sync.enable' : 'sync.disable', row.id, {
          version: row.current_version,
        });
        return next;
      });
      return view(updated);
    },

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
        if (gone.numDeletedRows === 0n)
          throw new ConfigProblem([], 'The sync changed meanwhile; read it again.', 412);
        const links = await trx.deleteFrom('sync_links').where('sync_id', '=', row.id).execute();
        await trx.deleteFrom('sync_cursors').where('sync_id', '=', row.id).execute();
        await trx.deleteFrom('sync_conflicts').where('sync_id', '=', row.id).execute();
        await deleteBulkRuns(trx, row.id);
        await unscheduleSync(trx, row.id);
        await audit(trx, by, 'sync.delete', row.id, {
          version: row.current_version,
          links: Number(links[0]?.numDeletedRows ?? 0n),
        });
      });
    },
  };
}

export type SyncStore = ReturnType<typeof createSyncStore>;
