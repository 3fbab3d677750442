import type { PendingBatch } from '../db/tables/sync-bulk-tables.js';
import { insertLinks, linkedKeys, linksOf, type NewLink, noRecord } from './bulk-links.js';
import { linkState, sidePages } from './bulk-side.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';
import { other } from './sync-definition.js';

/**
 * After a crash with create batches in flight (rows of `sync_backfill_batches`, their body or, as
 * a version before migration 0031 left them, their keys and matches arrays; or the `pending`
 * batch a version before migration 0030 recorded): with a match, the side written to is listed
 * and each record of a batch that is there is linked to it; without one, each is linked flagged
 * (its outcome unknown: a person decides). In one transaction with the links, the batches are
 * cleared. The pass then goes on from its cursor (the pages of the batches are read again, and
 * their records found linked).
 */
export async function settleBatches(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
): Promise<BackfillRow> {
  const rows = await deps.db
    .selectFrom('sync_backfill_batches')
    .select(['seq', 'source', 'body', 'keys', 'matches'])
    .where('backfill_id', '=', row.id)
    .execute();
  const batches: PendingBatch[] = [
    ...(row.pending === null ? [] : [row.pending]),
    ...rows.map((r) => batchOf(r.source, r.body, r.keys, r.matches)),
  ];
  if (batches.length === 0) return row;
  const links: NewLink[] = [];
  for (const from of ['a', 'b'] as const) {
    const of = batches.filter((b) => b.from === from);
    if (of.length > 0)
      links.push(
        ...(await settled(deps, sync, {
          from,
          keys: of.flatMap((b) => b.keys),
          matches: of.flatMap((b) => b.matches),
        })),
      );
  }
  return deps.db.transaction().execute(async (trx) => {
    await insertLinks(trx, sync.id, links);
    await trx.deleteFrom('sync_backfill_batches').where('backfill_id', '=', row.id).execute();
    const flagged = links.filter((l) => l.state === 'flagged').length;
    return trx
      .updateTable('sync_backfills')
      .set((eb) => ({
        pending: null,
        linked: eb('linked', '+', String(links.length - flagged)),
        flagged: eb('flagged', '+', String(flagged)),
        updated_at: new Date(),
      }))
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** A batch row's keys and matches: from its body, or its arrays as a version before 0031 left them. */
function batchOf(
  from: 'a' | 'b',
  body: string | null,
  keys: readonly string[] | null,
  matches: readonly (string | null)[] | null,
): PendingBatch {
  if (body === null) return { from, keys: keys ?? [], matches: matches ?? [] };
  const [bodyKeys, bodyMatches] = JSON.parse(body) as [string[], (string | null)[]];
  return { from, keys: bodyKeys, matches: bodyMatches };
}

/** The links that settle the records of `pending` (of one source side). */
async function settled(
  deps: BackfillDeps,
  sync: BulkSync,
  pending: PendingBatch,
): Promise<NewLink[]> {
  const from = sync.sides[pending.from];
  const to = sync.sides[other(pending.from)];
  const waiting = new Map<string, string>();
  pending.matches.forEach((match, i) => {
    if (match !== null && !waiting.has(match)) waiting.set(match, pending.keys[i] as string);
  });
  const links: NewLink[] = [];
  const side = (key: string) => ({ ...noRecord, key });
  if (sync.definition.match !== undefined && waiting.size > 0) {
    for await (const page of sidePages(to, null, deps.pageSize ?? 1_000)) {
      const keys = page.records.map((r) => to.records.keyOf(r));
      const linked = await linkedKeys(deps.db, sync.id, to.name, keys);
      page.records.forEach((record, i) => {
        const match = to.codec.match(record);
        const source = match === null ? undefined : waiting.get(match);
        if (source === undefined || linked.has(keys[i] as string)) return;
        waiting.delete(match as string);
        const found = linkState(to, record, true, keys[i] as string);
        links.push(
          from.name === 'a' ? { a: side(source), b: found } : { a: found, b: side(source) },
        );
      });
      if (waiting.size === 0) break;
    }
  }
  // Without a match (or a match value), a record of the batch may or may not have been created.
  const unknown = pending.keys.filter(
    (_, i) => sync.definition.match === undefined || pending.matches[i] === null,
  );
  const already = await linksOf(deps.db, sync.id, from.name, unknown);
  for (const key of unknown) {
    if (already.has(key)) continue;
    const note = `The create of ${from.name.toUpperCase()} record ${key} on side ${to.name.toUpperCase()} was interrupted; its outcome is unknown.`;
    links.push(
      from.name === 'a'
        ? { a: side(key), b: noRecord, state: 'flagged', note }
        : { a: noRecord, b: side(key), state: 'flagged', note },
    );
  }
  return links;
}
