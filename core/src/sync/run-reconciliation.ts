import { type Kysely, type Selectable, sql, type UpdateObject } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DriftKind, SyncReconciliationsTable } from '../db/tables/sync-bulk-tables.js';
import type { Logger } from '../log/create-logger.js';
import { countSides } from './count-sides.js';
import { keysetItems, mergeSides } from './merge-sides.js';
import { type DriftItem, differences, recheckDrift } from './recheck-drift.js';
import { listSide } from './reconcile-list.js';
import { reconciliationProgress } from './reconciliation-progress.js';
import type { BulkSync } from './run-backfill.js';

export type ReconciliationRow = Selectable<SyncReconciliationsTable>;
/** The phases of a reconciliation, in order. */
export type ReconcilePhase = 'list:a' | 'list:b' | 'compare' | 'stale';
const PHASES: readonly ReconcilePhase[] = ['list:a', 'list:b', 'compare', 'stale'];

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
  /** Awaited as each phase begins (a test pauses a reconciliation there). */
  readonly beforePhase?: (phase: ReconcilePhase, id: string) => Promise<void> | void;
}

const emptyItem = (id: string, syncId: string, kind: DriftKind): DriftItem => ({
  reconciliation_id: id,
  sync_id: syncId,
  kind,
  a_key: null,
  b_key: null,
  link_id: null,
  fields: null,
  missing: null,
});

/**
 * Runs (or resumes) reconciliation `id` of `sync`: lists both sides in keyset pages into scratch
 * rows keyed by how they correspond (their link, else their match value, else nothing), merges
 * the two in join key order holding one page of each, and stores what differs: only on A, only
 * on B, linked but different under the mapping (per field, both values), stale links (a linked
 * key gone on a side) and records that match but are not linked. Each page's findings are
 * re-checked under the sync's lock before they are stored (`recheckDrift`), with the position
 * they end at and the counts so far, in one transaction: after a crash it goes on from there.
 */
export async function runReconciliation(deps: ReconcileDeps, sync: BulkSync, id: string) {
  const { db, logger } = deps;
  const limit = deps.pageSize ?? 1_000;
  let row = await db
    .updateTable('sync_reconciliations')
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
  if (row.phase === null || !PHASES.includes(row.phase as ReconcilePhase)) {
    // A fresh start: nothing of an earlier attempt that stopped before its first phase stays.
    await db.deleteFrom('sync_scan_rows').where('scan_id', '=', id).execute();
    await db.deleteFrom('sync_drift_items').where('reconciliation_id', '=', id).execute();
    const totals = await countSides(logger, [sync.sides.a, sync.sides.b], { reconciliation: id });
    row = await update(db, id, { ...totals, phase: 'list:a', cursor: null });
  } else logger.info({ reconciliation: id, phase: row.phase }, 'sync reconciliation resumed');
  const counts: Partial<Record<DriftKind, number>> = { ...row.counts };
  let lastLog = Date.now();
  /** Stores a page's findings that stand a re-check, with the position after the page. */
  const store = async (candidates: DriftItem[], cursor: string, compared: number) => {
    const kept = await recheckDrift(db, sync, candidates);
    for (const item of kept) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
    const at = await db.transaction().execute(async (trx) => {
      if (kept.length > 0) await trx.insertInto('sync_drift_items').values(kept).execute();
      return update(trx, id, {
        cursor,
        counts: JSON.stringify(counts),
        compared: sql`compared + ${compared}`,
        dismissed: sql`dismissed + ${candidates.length - kept.length}`,
      });
    });
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      logger.info(
        { reconciliation: id, ...reconciliationProgress(at) },
        'sync reconciliation progress',
      );
    }
  };

  for (let i = PHASES.indexOf(row.phase as ReconcilePhase); i < PHASES.length; i++) {
    const phase = PHASES[i] as ReconcilePhase;
    if (phase !== row.phase) row = await update(db, id, { phase, cursor: null });
    await deps.beforePhase?.(phase, id);
    if (phase === 'list:a' || phase === 'list:b') {
      const side = sync.sides[phase === 'list:a' ? 'a' : 'b'];
      await listSide(deps, sync, id, side, row.cursor, limit);
      // What was listed is the side's total from here on (a count is read before listing).
      await sql`update sync_reconciliations set ${sql.ref(`total_${side.name}`)} = ${sql.ref(`seen_${side.name}`)}
        where id = ${id}`.execute(db);
    } else if (phase === 'compare') await compare(row.cursor);
    else await staleLinks(row.cursor);
  }
  await db.deleteFrom('sync_scan_rows').where('scan_id', '=', id).execute();
  const done = await update(db, id, { state: 'succeeded', phase: null, finished_at: new Date() });
  logger.info(
    { reconciliation: id, sync: sync.id, counts, ...reconciliationProgress(done) },
    'sync reconciliation finished',
  );
  return done;

  /** Merges the sides' scratch rows in join key order after `from` (the last join key done). */
  async function compare(from: string | null) {
    const readSide = (side: 'a' | 'b') =>
      keysetItems<ScanRow>(async (after) => {
        const [join, key] = after === undefined ? [from, null] : (JSON.parse(after) as string[]);
        const { rows } = await sql<ScanRow>`select join_key, key, link_id::text as link_id, body
          from sync_scan_rows where scan_id = ${id} and side = ${side}
          ${join === null || join === undefined ? sql`` : key === null ? sql`and join_key > ${join}` : sql`and (join_key, key) > (${join}, ${key})`}
          order by join_key, key limit ${limit}`.execute(db);
        const last = rows.at(-1);
        return rows.length === limit && last !== undefined
          ? { items: rows, next: JSON.stringify([last.join_key, last.key]) }
          : { items: rows };
      });
    let candidates: DriftItem[] = [];
    let merged = 0;
    let previous: string | undefined;
    const joinOf = (r: ScanRow) => r.join_key;
    for await (const step of mergeSides(readSide('a'), readSide('b'), {
      joinOfA: joinOf,
      joinOfB: joinOf,
    })) {
      const join = step.kind === 'b' ? step.b.join_key : step.a.join_key;
      // A page ends between join keys: the position stored is a join key wholly compared.
      if (previous !== undefined && join !== previous && merged >= limit) {
        await store(candidates, previous, merged);
        candidates = [];
        merged = 0;
      }
      previous = join;
      merged += step.kind === 'both' ? 2 : 1;
      if (step.kind === 'both') {
        if (step.a.join_key.startsWith('m:')) {
          candidates.push({
            ...emptyItem(id, sync.id, 'unlinked'),
            a_key: step.a.key,
            b_key: step.b.key,
          });
          continue;
        }
        const fields = differences(sync, step.a.body ?? {}, step.b.body ?? {});
        if (fields !== undefined && fields.length > 0)
          candidates.push({
            ...emptyItem(id, sync.id, 'differs'),
            a_key: step.a.key,
            b_key: step.b.key,
            link_id: step.a.link_id,
            fields: JSON.stringify(fields),
          });
        continue;
      }
      const scan = step.kind === 'a' ? step.a : step.b;
      candidates.push(
        scan.link_id !== null
          ? {
              ...emptyItem(id, sync.id, 'stale_link'),
              link_id: scan.link_id,
              missing: step.kind === 'a' ? 'b' : 'a',
            }
          : {
              ...emptyItem(id, sync.id, step.kind === 'a' ? 'only_a' : 'only_b'),
              [step.kind === 'a' ? 'a_key' : 'b_key']: scan.key,
            },
      );
    }
    if (previous !== undefined) await store(candidates, previous, merged);
  }

  /** Active links with no scratch row on either side (their records gone on both), by id. */
  async function staleLinks(from: string | null) {
    for (let after = from ?? '0'; ; ) {
      const { rows } = await sql<{ id: string }>`
        select l.id::text as id from sync_links l
        where l.sync_id = ${sync.id} and l.state = 'active' and l.id > ${after}::bigint
          and not exists (select 1 from sync_scan_rows s where s.scan_id = ${id} and s.link_id = l.id)
        order by l.id limit ${limit}`.execute(db);
      const last = rows.at(-1);
      if (last === undefined) return;
      const candidates = rows.map((link) => ({
        ...emptyItem(id, sync.id, 'stale_link'),
        link_id: link.id,
        missing: 'both' as const,
      }));
      await store(candidates, last.id, 0);
      if (rows.length < limit) return;
      after = last.id;
    }
  }
}

function update(
  db: Kysely<Database>,
  id: string,
  set: UpdateObject<Database, 'sync_reconciliations'>,
) {
  return db
    .updateTable('sync_reconciliations')
    .set({ ...set, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}
