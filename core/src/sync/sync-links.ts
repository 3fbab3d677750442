import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { Database } from '../db/schema.js';
import type { SyncLinkState, SyncLinksTable } from '../db/tables/sync-tables.js';
import type { SyncRecord } from './record-client.js';
import type { RecordView } from './sync-codec.js';
import type { SideName } from './sync-definition.js';

export type LinkRow = Selectable<SyncLinksTable>;
type LinkPatch = Updateable<SyncLinksTable>;

/** What a link keeps of one side's record: key, hash, version, base, and whether Junction wrote it. */
export function sideColumns(
  side: SideName,
  state: {
    readonly key: string;
    readonly record: SyncRecord;
    readonly view: RecordView;
    readonly updatedAtField: string | undefined;
    readonly written: boolean;
  },
): LinkPatch {
  const version = state.updatedAtField ? state.record[state.updatedAtField] : undefined;
  const columns = {
    key: state.key,
    hash: state.view.hash,
    version: version === undefined || version === null ? null : String(version),
    base: state.view.mapped === null ? null : JSON.stringify(state.view.mapped),
    written: state.written,
  };
  return side === 'a'
    ? {
        a_key: columns.key,
        a_hash: columns.hash,
        a_version: columns.version,
        a_base: columns.base,
        a_written: columns.written,
      }
    : {
        b_key: columns.key,
        b_hash: columns.hash,
        b_version: columns.version,
        b_base: columns.base,
        b_written: columns.written,
      };
}

export const keyOfLink = (link: LinkRow, side: SideName) =>
  side === 'a' ? link.a_key : link.b_key;
export const hashOfLink = (link: LinkRow, side: SideName) =>
  side === 'a' ? link.a_hash : link.b_hash;
export const writtenOfLink = (link: LinkRow, side: SideName) =>
  side === 'a' ? link.a_written : link.b_written;

/** One audited change of the links of a sync, in a transaction. */
export interface LinkAudit {
  readonly action: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The link rows of one sync. */
export function syncLinks(db: Kysely<Database>, syncId: string, actor: string) {
  const audit = (trx: Transaction<Database>, entry: LinkAudit) =>
    recordAudit(trx, {
      actor,
      action: entry.action,
      subjectType: 'sync',
      subjectId: syncId,
      data: entry.data,
    });
  return {
    find(side: SideName, key: string): Promise<LinkRow | undefined> {
      return db
        .selectFrom('sync_links')
        .selectAll()
        .where('sync_id', '=', syncId)
        .where(side === 'a' ? 'a_key' : 'b_key', '=', key)
        .executeTakeFirst();
    },
    get(id: string): Promise<LinkRow | undefined> {
      return db
        .selectFrom('sync_links')
        .selectAll()
        .where('sync_id', '=', syncId)
        .where('id', '=', id)
        .executeTakeFirst();
    },
    /** A link whose other side is being created (committed before the create is called). */
    async insertPending(patch: LinkPatch): Promise<LinkRow> {
      return db
        .insertInto('sync_links')
        .values({ sync_id: syncId, state: 'pending', ...patch } as never)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    /**
     * Changes a link and records the audit entry of what was done (and `also`, such as the
     * conflict it settles), in one transaction.
     */
    async update(
      id: string,
      patch: LinkPatch,
      entry?: LinkAudit,
      also?: (trx: Transaction<Database>) => Promise<void>,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('sync_links')
          .set({ ...patch, updated_at: new Date() })
          .where('id', '=', id)
          .execute();
        if (entry) await audit(trx, entry);
        await also?.(trx);
      });
    },
    async setState(id: string, state: SyncLinkState, note: string | null, entry: LinkAudit) {
      await this.update(id, { state, note }, entry);
    },
    /** Removes a pending link whose create did not happen (nothing was written: no audit). */
    async forget(id: string): Promise<void> {
      await db
        .deleteFrom('sync_links')
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .execute();
    },
    /** Removes a link whose records are gone on both sides. */
    async remove(id: string, entry: LinkAudit): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('sync_links').where('id', '=', id).execute();
        await audit(trx, entry);
      });
    },
    /** Parks a conflict: the link waits in state `conflict` until a person resolves it. */
    async park(
      link: LinkRow,
      records: { a: SyncRecord; b: SyncRecord },
      conflictId: string,
    ): Promise<void> {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sync_conflicts')
          .values({
            id: conflictId,
            sync_id: syncId,
            link_id: link.id,
            a_key: link.a_key,
            b_key: link.b_key,
            base: JSON.stringify({ a: link.a_base, b: link.b_base }),
            a_record: JSON.stringify(records.a),
            b_record: JSON.stringify(records.b),
          })
          .execute();
        await trx
          .updateTable('sync_links')
          .set({ state: 'conflict', updated_at: new Date() })
          .where('id', '=', link.id)
          .execute();
        await audit(trx, {
          action: 'sync.conflict.park',
          data: { conflict: conflictId, aKey: link.a_key, bKey: link.b_key },
        });
      });
    },
  };
}

export type SyncLinks = ReturnType<typeof syncLinks>;
