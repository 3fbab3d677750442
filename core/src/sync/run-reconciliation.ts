import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type {
  DriftKind,
  SyncDriftItemsTable,
  SyncReconciliationsTable,
} from '../db/tables/sync-bulk-tables.js';
import type { Logger } from '../log/create-logger.js';
import { linksById, linksOf } from './bulk-links.js';
import { type BulkSide, sidePages } from './bulk-side.js';
import { compareMapped } from './compare-mapped.js';
import { keysetItems, mergeSides } from './merge-sides.js';
import type { BulkSync } from './run-backfill.js';
import { reads } from './sync-definition.js';

export type ReconciliationRow = Selectable<SyncReconciliationsTable>;
type Item = Insertable<SyncDriftItemsTable>;
interface ScanRow {
  join_key: string;
  key: string;
  link_id: string | null;
  body: Record<string, unknown> | null;
}

export interface ReconcileDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly pageSize?: number;
}

const linkJoin = (id: string) => `l:${id.padStart(20, '0')}`;

/**
 * Runs reconciliation `id` of `sync`: lists both sides in keyset pages into scratch rows keyed by
 * how they correspond (their link, else their match value, else nothing), merges the two in join
 * key order holding one page of each, and stores what differs: only on A, only on B, linked but
 * different under the mapping (per field, both values), stale links (a linked key gone on a side)
 * and records that match but are not linked. Started again from the beginning after a crash.
 */
export async function runReconciliation(deps: ReconcileDeps, sync: BulkSync, id: string) {
  const { db } = deps;
  const limit = deps.pageSize ?? 1_000;
  const started = await db
    .updateTable('sync_reconciliations')
    .set({ state: 'running', started_at: new Date(), updated_at: new Date(), phase: 'list' })
    .where('id', '=', id)
    .where('state', 'in', ['queued', 'running'])
    .returning('id')
    .executeTakeFirst();
  if (started === undefined) return;
  await db.deleteFrom('sync_scan_rows').where('scan_id', '=', id).execute();
  await db.deleteFrom('sync_drift_items').where('reconciliation_id', '=', id).execute();
  for (const side of [sync.sides.a, sync.sides.b]) await listSide(deps, sync, id, side, limit);
  await setPhase(db, id, 'compare');
  const counts: Partial<Record<DriftKind, number>> = {};
  let batch: Item[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await db.insertInto('sync_drift_items').values(batch).execute();
    batch = [];
  };
  const add = async (item: Item) => {
    counts[item.kind] = (counts[item.kind] ?? 0) + 1;
    batch.push(item);
    if (batch.length >= 500) await flush();
  };
  const readSide = (side: 'a' | 'b') =>
    keysetItems<ScanRow>(async (after) => {
      const [join, key] = after === undefined ? [] : (JSON.parse(after) as [string, string]);
      const { rows } = await sql<ScanRow>`select join_key, key, link_id::text as link_id, body
        from sync_scan_rows where scan_id = ${id} and side = ${side}
        ${join === undefined ? sql`` : sql`and (join_key, key) > (${join}, ${key})`}
        order by join_key, key limit ${limit}`.execute(db);
      const last = rows.at(-1);
      return rows.length === limit && last !== undefined
        ? { items: rows, next: JSON.stringify([last.join_key, last.key]) }
        : { items: rows };
    });
  const joinOf = (r: ScanRow) => r.join_key;
  let pendingLinks: { row: ScanRow; side: 'a' | 'b' }[] = [];
  const settleStale = async () => {
    const ids = pendingLinks.map((p) => p.row.link_id as string);
    const links = await linksById(db, ids);
    for (const { row, side } of pendingLinks) {
      const link = links.get(row.link_id as string);
      if (link === undefined || link.state !== 'active') continue;
      await add({
        ...emptyItem(id, sync.id, 'stale_link'),
        a_key: link.a_key,
        b_key: link.b_key,
        link_id: link.id,
        missing: side === 'a' ? 'b' : 'a',
      });
    }
    pendingLinks = [];
  };
  const compareFrom = reads(sync.definition, 'a') ? 'a' : 'b';
  for await (const step of mergeSides(readSide('a'), readSide('b'), {
    joinOfA: joinOf,
    joinOfB: joinOf,
  })) {
    if (step.kind === 'both') {
      if (step.a.join_key.startsWith('m:')) {
        await add({ ...emptyItem(id, sync.id, 'unlinked'), a_key: step.a.key, b_key: step.b.key });
        continue;
      }
      const [source, target] = compareFrom === 'a' ? [step.a, step.b] : [step.b, step.a];
      const mapped = sync.sides[compareFrom].codec.map(source.body ?? {});
      if (mapped === undefined) continue;
      const fields = compareMapped(mapped.output, target.body ?? {}, compareFrom);
      if (fields.length > 0)
        await add({
          ...emptyItem(id, sync.id, 'differs'),
          a_key: step.a.key,
          b_key: step.b.key,
          link_id: step.a.link_id,
          fields: JSON.stringify(fields),
        });
      continue;
    }
    const row = step.kind === 'a' ? step.a : step.b;
    if (row.link_id !== null) {
      pendingLinks.push({ row, side: step.kind });
      if (pendingLinks.length >= 500) await settleStale();
      continue;
    }
    await add({
      ...emptyItem(id, sync.id, step.kind === 'a' ? 'only_a' : 'only_b'),
      [step.kind === 'a' ? 'a_key' : 'b_key']: row.key,
    });
  }
  await settleStale();
  // Links whose records are gone on both sides.
  for await (const link of keysetItems(async (after) => {
    const { rows } = await sql<{ id: string; a_key: string | null; b_key: string | null }>`
      select l.id::text as id, l.a_key, l.b_key from sync_links l
      where l.sync_id = ${sync.id} and l.state = 'active' and l.id > ${after ?? '0'}::bigint
        and not exists (select 1 from sync_scan_rows s where s.scan_id = ${id} and s.link_id = l.id)
      order by l.id limit ${limit}`.execute(db);
    const last = rows.at(-1);
    return rows.length === limit && last ? { items: rows, next: last.id } : { items: rows };
  }))
    await add({
      ...emptyItem(id, sync.id, 'stale_link'),
      a_key: link.a_key,
      b_key: link.b_key,
      link_id: link.id,
      missing: 'both',
    });
  await flush();
  await db.deleteFrom('sync_scan_rows').where('scan_id', '=', id).execute();
  const done = await db
    .updateTable('sync_reconciliations')
    .set({
      state: 'succeeded',
      phase: null,
      counts: JSON.stringify(counts),
      finished_at: new Date(),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  deps.logger.info({ reconciliation: id, sync: sync.id, counts }, 'sync reconciliation finished');
  return done;
}

/** Lists one side into scratch rows, by link id (linked), match hash or its own key. */
async function listSide(
  deps: ReconcileDeps,
  sync: BulkSync,
  id: string,
  side: BulkSide,
  limit: number,
) {
  for await (const page of sidePages(side, null, limit)) {
    const keys = page.records.map((r) => side.records.keyOf(r));
    const links = await linksOf(deps.db, sync.id, side.name, keys);
    const rows = page.records.map((record, i) => {
      const key = keys[i] as string;
      const link = links.get(key);
      const match = side.codec.match(record);
      return {
        scan_id: id,
        side: side.name,
        join_key:
          link !== undefined
            ? linkJoin(link.id)
            : match !== null
              ? `m:${match}`
              : `k:${side.name}:${key}`,
        key,
        link_id: link?.id ?? null,
        body: JSON.stringify(record),
      };
    });
    await deps.db.transaction().execute(async (trx) => {
      if (rows.length > 0) await trx.insertInto('sync_scan_rows').values(rows).execute();
      await trx
        .updateTable('sync_reconciliations')
        .set((eb) => ({
          [`seen_${side.name}`]: eb(`seen_${side.name}`, '+', String(rows.length)),
          updated_at: new Date(),
        }))
        .where('id', '=', id)
        .execute();
    });
  }
}

function setPhase(db: Kysely<Database>, id: string, phase: string) {
  return db
    .updateTable('sync_reconciliations')
    .set({ phase, updated_at: new Date() })
    .where('id', '=', id)
    .execute();
}

function emptyItem(reconciliation: string, syncId: string, kind: DriftKind): Item {
  return {
    reconciliation_id: reconciliation,
    sync_id: syncId,
    kind,
    a_key: null,
    b_key: null,
    link_id: null,
    fields: null,
    missing: null,
  };
}
