import { commitPage, type PreparedPage, pendingOf, preparePage } from './backfill-page.js';
import { type BulkSide, sidePages } from './bulk-side.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';

/**
 * A walk pass over side `from`, from the backfill's cursor, in a pipeline: page n+1 is read and
 * prepared (its links looked up, its records mapped) while page n is created on the other side;
 * page n then commits its links, audit entry and cursor in one statement that also records page
 * n+1's create batch as pending, before that batch is sent. A crash leaves at most that one batch
 * in flight, settled on resume as before. Calls `onPage` after each commit; answers the backfill
 * row after the last page and the number of records read.
 */
export async function walkPass(
  deps: BackfillDeps,
  sync: BulkSync,
  start: BackfillRow,
  from: BulkSide,
  scanned: boolean,
  onPage: (row: BackfillRow) => void,
): Promise<{ row: BackfillRow; count: number }> {
  const to = sync.sides[from.name === 'a' ? 'b' : 'a'];
  const pages = sidePages(from, start.cursor, deps.pageSize ?? 1_000);
  const none = { keys: new Set<string>(), used: new Set<string>() };
  const prepareNext = async (before: PreparedPage | undefined) => {
    const page = await pages.next();
    if (page.done) return undefined;
    const inFlight = before ? { keys: new Set(before.keys), used: new Set(before.used) } : none;
    return preparePage(deps, sync, start, from, page.value, scanned, inFlight);
  };
  let row = start;
  let count = 0;
  let current = await prepareNext(undefined);
  const first = pendingOf(from, current);
  if (first !== null)
    await deps.db
      .updateTable('sync_backfills')
      .set({ pending: JSON.stringify(first), updated_at: new Date() })
      .where('id', '=', row.id)
      .execute();
  while (current !== undefined) {
    const page = current;
    const following = prepareNext(page);
    // Awaited below; a failed create leaves no unhandled rejection behind.
    following.catch(() => {});
    const created =
      page.creates.length > 0 ? await to.records.createMany(page.creates.map((c) => c.output)) : [];
    const next = await following;
    row = await commitPage(deps, sync, row, from, page, created, pendingOf(from, next));
    count += page.read;
    onPage(row);
    current = next;
  }
  return { row, count };
}
