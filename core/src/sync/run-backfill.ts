import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { BackfillPass, SyncBackfillsTable } from '../db/tables/sync-bulk-tables.js';
import type { Logger } from '../log/create-logger.js';
import { countTotals } from './backfill-totals.js';
import { walkPass } from './backfill-walk.js';
import { linkedKeys } from './bulk-links.js';
import { rateAndEta } from './bulk-progress.js';
import { type BulkSide, sidePages } from './bulk-side.js';
import { insertScanRows } from './insert-scan-rows.js';
import { settleBatches } from './settle-batches.js';
import { other, reads, type SyncDefinition } from './sync-definition.js';

export type BackfillRow = Selectable<SyncBackfillsTable>;

/** A sync as its backfill sees it: its id, definition and both sides. */
export interface BulkSync {
  readonly id: string;
  readonly definition: SyncDefinition;
  readonly sides: { readonly a: BulkSide; readonly b: BulkSide };
}

export interface BackfillDeps {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  /** Records a page (default 1,000). */
  readonly pageSize?: number;
  /** Called after each page is committed (metrics). */
  readonly onPage?: (row: BackfillRow) => void;
}

/**
 * The passes of a backfill: with a match, list the side linked to (`scan`) so that the other
 * side's records can find theirs; walk the side that is written from (linking matches, creating
 * the rest); walk the other side too when the sync writes that way.
 */
export function backfillPlan(definition: SyncDefinition): BackfillPass[] {
  const first = definition.direction === 'b_to_a' ? 'b' : 'a';
  const second = other(first);
  return [
    ...(definition.match !== undefined ? [`scan:${second}` as const] : []),
    `walk:${first}` as const,
    ...(reads(definition, second) ? [`walk:${second}` as const] : []),
  ];
}

/**
 * Runs (or resumes) backfill `id` of `sync` to its end: each page of each pass commits its links,
 * its audit entry and the cursor after it in one statement; a create batch is recorded as
 * pending before it is sent, so a resume after a crash settles it (finds the created records by
 * the match, or flags them) instead of creating them twice (walks: see `walkPass`).
 */
export async function runBackfill(deps: BackfillDeps, sync: BulkSync, id: string) {
  const { db, logger } = deps;
  const limit = deps.pageSize ?? 1_000;
  let row = await db
    .updateTable('sync_backfills')
    .set((eb) => ({
      state: 'running',
      started_at: eb.fn.coalesce('started_at', sql<Date>`now()`),
      resumed: eb('resumed', '+', sql<number>`(state = 'running')::int`),
      updated_at: new Date(),
    }))
    .where('id', '=', id)
    .where('state', 'in', ['queued', 'running'])
    .returningAll()
    .executeTakeFirst();
  if (row === undefined) return;
  if (row.resumed > 0) logger.info({ backfill: id, pass: row.pass }, 'sync backfill resumed');
  row = await settleBatches(deps, sync, row);
  row = await countTotals(deps, sync, row);
  let lastLog = Date.now();
  const onPage = (at: BackfillRow) => {
    deps.onPage?.(at);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      logger.info({ backfill: id, ...progressOf(at) }, 'sync backfill progress');
    }
  };
  while (row.pass < row.plan.length) {
    const [kind, name] = (row.plan[row.pass] as BackfillPass).split(':') as [
      'scan' | 'walk',
      'a' | 'b',
    ];
    const side = sync.sides[name];
    let count = 0;
    if (kind === 'walk') {
      ({ row, count } = await walkPass(deps, sync, row, side, onPage));
    } else
      for await (const page of sidePages(side, row.cursor, limit)) {
        row = await scanPage(deps, sync, row, side, page);
        count += page.records.length;
        onPage(row);
      }
    row = await db
      .updateTable('sync_backfills')
      .set((eb) => ({
        pass: eb('pass', '+', 1),
        cursor: null,
        [`total_${name}`]: eb.fn.coalesce(`total_${name}`, sql<string>`${count}::bigint`),
        updated_at: new Date(),
      }))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
  await db.deleteFrom('sync_scan_rows').where('scan_id', '=', id).execute();
  row = await db
    .updateTable('sync_backfills')
    .set({ state: 'succeeded', finished_at: new Date(), updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  logger.info({ backfill: id, ...progressOf(row) }, 'sync backfill finished');
  return row;
}

/** Lists a page of the side linked to: its unlinked records, by match hash, into scratch rows. */
async function scanPage(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
  side: BulkSide,
  page: { records: readonly Readonly<Record<string, unknown>>[]; next: string | null },
): Promise<BackfillRow> {
  const keys = page.records.map((r) => side.records.keyOf(r));
  const linked = await linkedKeys(deps.db, sync.id, side.name, keys);
  const rows = page.records.flatMap((record, i) => {
    const key = keys[i] as string;
    const match = side.codec.match(record);
    if (linked.has(key) || match === null) return [];
    const { base, hash, version } = side.codec.state(record);
    return [
      {
        scan_id: row.id,
        side: side.name,
        join_key: match,
        key,
        hash,
        version,
        body: base === null ? null : JSON.stringify(base),
      },
    ];
  });
  return deps.db.transaction().execute(async (trx) => {
    await insertScanRows(trx, rows);
    return trx
      .updateTable('sync_backfills')
      .set((eb) => ({
        cursor: page.next,
        done: eb('done', '+', String(page.records.length)),
        updated_at: new Date(),
      }))
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Done, total (when every pass's side size is known), rate per second and ETA of a backfill. */
export function progressOf(row: BackfillRow) {
  const done = Number(row.done);
  // A pass over side x reads the side as listed first, plus what earlier passes created on it.
  const sizes = row.plan.map((pass, i) => {
    const side = pass.endsWith(':a') ? 'a' : 'b';
    const total = side === 'a' ? row.total_a : row.total_b;
    const creator = row.plan.indexOf(`walk:${side === 'a' ? 'b' : 'a'}`);
    const created = creator !== -1 && creator < i ? Number(row[`created_${side}`]) : 0;
    return total === null ? null : Number(total) + created;
  });
  const total = sizes.every((n) => n !== null) ? sizes.reduce((s, n) => s + (n ?? 0), 0) : null;
  return { done, total, ...rateAndEta(done, total, row.started_at, row.finished_at) };
}
