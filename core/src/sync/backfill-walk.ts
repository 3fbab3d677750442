import { sql } from 'kysely';
import {
  commitPage,
  type InFlight,
  type Lookups,
  type PreparedPage,
  preparePage,
} from './backfill-page.js';
import { type BulkSide, sidePages } from './bulk-side.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';
import { other } from './sync-definition.js';

/**
 * A walk pass over side `from`, from the backfill's cursor, in a pipeline. Page n is sent to the
 * other side (its create batch) while page n+1 is read and prepared (links looked up, records
 * mapped, its batch recorded as a `sync_backfill_batches` row) and page n-1 commits; page n then
 * commits its links, audit entry and cursor, deleting its batch row, in one statement, once page
 * n-1's commit is done (commits land in page order). Page n+1 is not sent before page n-1's
 * commit lands: a crash leaves at most three batches recorded (one committing, one sent, one
 * about to be), all settled on resume. Calls `onPage` after each commit; answers the backfill
 * row after the last page and the number of records read.
 */
export async function walkPass(
  deps: BackfillDeps,
  sync: BulkSync,
  start: BackfillRow,
  from: BulkSide,
  onPage: (row: BackfillRow) => void,
): Promise<{ row: BackfillRow; count: number }> {
  const to = sync.sides[other(from.name)];
  const lookups = await walkLookups(deps, sync, start, from);
  const pages = sidePages(from, start.cursor, deps.pageSize ?? 1_000);
  /** Pages read but not committed yet: a page prepared meanwhile treats their keys as linked. */
  const open: PreparedPage[] = [];
  const prepareNext = async () => {
    const page = await pages.next();
    if (page.done) return undefined;
    const inFlight: InFlight = {
      keys: new Set(open.flatMap((p) => p.keys)),
      used: new Set(open.flatMap((p) => p.used)),
    };
    const prepared = await preparePage(deps, sync, start, from, page.value, lookups, inFlight);
    open.push(prepared);
    // Recorded now, while the page before is sent: off the path from one create to the next.
    const batch =
      prepared.creates.length > 0 ? await recordBatch(deps, start.id, from, prepared) : undefined;
    return { page: prepared, batch };
  };
  let row = start;
  let count = 0;
  // The commits of the last two pages sent: the older one lands before the next batch is sent.
  let committed: Promise<void> = Promise.resolve();
  let older: Promise<void> = Promise.resolve();
  let following: ReturnType<typeof prepareNext> | undefined;
  try {
    let current = await prepareNext();
    while (current !== undefined) {
      await older;
      const { page, batch } = current;
      following = prepareNext();
      // Awaited below; a failed create or commit leaves no unhandled rejection behind.
      following.catch(() => {});
      const created =
        page.creates.length > 0
          ? await to.records.createMany(page.creates.map((c) => c.output))
          : [];
      const before = committed;
      older = committed;
      committed = (async () => {
        await before;
        row = await commitPage(deps, sync, row, from, page, created, batch);
        open.splice(open.indexOf(page), 1);
        count += page.read;
        onPage(row);
      })();
      // Awaited as `older` or at the end; meanwhile no unhandled rejection.
      committed.catch(() => {});
      current = await following;
    }
    await committed;
  } catch (error) {
    // The commit under way lands (or fails) before the walk ends: a retry finds it settled. A
    // batch recorded but not sent is forgotten (a retry reads its page again).
    await committed.catch(() => {});
    const unsent = await following?.catch(() => undefined);
    if (unsent?.batch !== undefined)
      await deps.db
        .deleteFrom('sync_backfill_batches')
        .where('seq', '=', unsent.batch)
        .execute()
        .catch(() => {});
    throw error;
  }
  return { row, count };
}

/**
 * Which lookups the pages of a walk need: links, when some record of side `from` is linked
 * (none is on a first backfill: the pass links only records it read, and a list reads each
 * record once, keyset, so none of them comes again); scan rows, when the scan of the other side
 * left unused ones.
 */
async function walkLookups(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
  from: BulkSide,
): Promise<Lookups> {
  const to = other(from.name);
  const scan = row.plan.includes(`scan:${to}`);
  const { rows } = await sql<Lookups>`select
      exists (select from sync_links where sync_id = ${sync.id}
        and ${sql.ref(`${from.name}_key`)} is not null) as linked,
      ${scan}::boolean and exists (select from sync_scan_rows where scan_id = ${row.id}
        and side = ${to} and not used) as scanned`.execute(deps.db);
  return rows[0] as Lookups;
}

/**
 * Records a page's create batch as in flight, before it is sent: its row's id. Keys and match
 * hashes travel and stay as one JSON text (one native stringify; the server stores it as it comes:
 * see migration 0031).
 */
async function recordBatch(
  deps: BackfillDeps,
  backfillId: string,
  from: BulkSide,
  page: PreparedPage,
): Promise<string> {
  const body = JSON.stringify([page.creates.map((c) => c.key), page.creates.map((c) => c.match)]);
  const { rows } = await sql<{ seq: string }>`insert into sync_backfill_batches
      (backfill_id, source, body) values (${backfillId}, ${from.name}, ${body})
    returning seq`.execute(deps.db);
  return (rows[0] as { seq: string }).seq;
}
