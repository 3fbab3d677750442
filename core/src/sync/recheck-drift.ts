import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { DriftField, SyncDriftItemsTable } from '../db/tables/sync-bulk-tables.js';
import type { SyncLastRun, SyncLinksTable } from '../db/tables/sync-tables.js';
import { withSyncLock } from './backfill-lock.js';
import { linksOf } from './bulk-links.js';
import { compareMapped } from './compare-mapped.js';
import type { BulkSync } from './run-backfill.js';
import { reads } from './sync-definition.js';

export type DriftItem = Insertable<SyncDriftItemsTable>;
type Row = Readonly<Record<string, unknown>>;
type Link = Selectable<SyncLinksTable>;
type Side = 'a' | 'b';

/** The fields where a linked pair differs under the sync's mapping (undefined: no mapping). */
export function differences(sync: BulkSync, a: Row, b: Row): DriftField[] | undefined {
  const from: Side = reads(sync.definition, 'a') ? 'a' : 'b';
  const [source, target] = from === 'a' ? [a, b] : [b, a];
  const mapped = sync.sides[from].codec.map(source);
  return mapped === undefined ? undefined : compareMapped(mapped.output, target, from);
}

/**
 * Re-checks drift found in a reconciliation's snapshot (the scratch rows, listed side after side
 * while the sync ran) before it is stored, holding the sync's lock for the page so that no
 * change detection is half done: the link is read again and both records by key (the page's
 * records in one `find` a side when the record type offers it). What no longer
 * differs (the sync carried a change made during the sweep) is dismissed. While the sync is
 * enabled and its change detection runs (`detecting`), what that will settle is dismissed too:
 * a record changed since its link (hash and updated-at both moved) of a side the sync reads, a
 * record without a link that its next read of changes lists, and a record gone from a linked
 * pair (its delete scan). What is kept is lasting: a change behind the updated-at, a link the
 * records disagree with, a broken or missing link, a side the sync does not read, anything while
 * change detection has stopped. The kept items carry what was read now.
 */
export function recheckDrift(
  db: Kysely<Database>,
  sync: BulkSync,
  candidates: readonly DriftItem[],
): Promise<DriftItem[]> {
  if (candidates.length === 0) return Promise.resolve([]);
  return withSyncLock(db, sync.id, async () => {
    const state = await db
      .selectFrom('syncs')
      .select(['enabled', 'last_run'])
      .where('id', '=', sync.id)
      .executeTakeFirst();
    const enabled = state?.enabled === true && detecting(state.last_run, sync);
    const ids = candidates.flatMap((c) => (c.link_id ? [c.link_id] : []));
    const links = new Map<string, Link>();
    if (ids.length > 0)
      for (const link of await db
        .selectFrom('sync_links')
        .selectAll()
        .where('id', 'in', ids)
        .where('sync_id', '=', sync.id)
        .execute())
        links.set(String(link.id), link);
    const since = enabled ? await changeSince(db, sync.id) : {};
    // Every record and link the page's items name, read in one call a side where it can be.
    const named = { a: namedKeys(candidates, links, 'a'), b: namedKeys(candidates, links, 'b') };
    const read = { a: await findAll(sync, 'a', named.a), b: await findAll(sync, 'b', named.b) };
    const linkedNow = {
      a: new Set((await linksOf(db, sync.id, 'a', named.a)).keys()),
      b: new Set((await linksOf(db, sync.id, 'b', named.b)).keys()),
    };
    const get = async (side: Side, key: string | null | undefined) => {
      if (!key) return undefined;
      const found = read[side];
      return found === undefined ? sync.sides[side].records.get(key) : found.get(key);
    };
    const linked = async (side: Side, key: string) => linkedNow[side].has(key);

    /** A change of the record since its link that the sync's change detection will carry. */
    const pending = (side: Side, record: Row, link: Link) => {
      if (!enabled || !reads(sync.definition, side)) return false;
      const { hash, version } = sync.sides[side].codec.state(record);
      if (hash === link[`${side}_hash`]) return false;
      const records = sync.sides[side].records;
      // Full scans compare hashes; reads of changes see only a moved updated-at.
      return !records.offers('listChanged') || version !== link[`${side}_version`];
    };
    /** Whether the sync's next read of changes lists this record (it is then created). */
    const listedNext = (side: Side, record: Row) => {
      if (!enabled || !reads(sync.definition, side)) return false;
      const records = sync.sides[side].records;
      if (!records.offers('listChanged') || records.updatedAtField === undefined) return true;
      const at = Date.parse(String(record[records.updatedAtField] ?? ''));
      const from = since[side];
      return !Number.isNaN(at) && (from === undefined || at >= Date.parse(from));
    };

    const kept: DriftItem[] = [];
    for (const item of candidates) {
      const again = await recheck(item);
      if (again !== undefined) kept.push(again);
    }
    return kept;

    async function recheck(item: DriftItem): Promise<DriftItem | undefined> {
      if (item.kind === 'only_a' || item.kind === 'only_b') {
        const side: Side = item.kind === 'only_a' ? 'a' : 'b';
        const key = side === 'a' ? item.a_key : item.b_key;
        const record = await get(side, key);
        if (record === undefined || (await linked(side, key as string))) return undefined;
        return listedNext(side, record) ? undefined : item;
      }
      if (item.kind === 'unlinked') {
        const [a, b] = [await get('a', item.a_key), await get('b', item.b_key)];
        if (a === undefined || b === undefined) return undefined;
        if ((await linked('a', item.a_key as string)) || (await linked('b', item.b_key as string)))
          return undefined;
        const [ma, mb] = [sync.sides.a.codec.match(a), sync.sides.b.codec.match(b)];
        return ma !== null && ma === mb ? item : undefined;
      }
      const link = links.get(String(item.link_id));
      if (link === undefined || link.state !== 'active') return undefined;
      if (item.kind === 'stale_link') {
        if (enabled) return undefined;
        const sides: Side[] = item.missing === 'both' ? ['a', 'b'] : [item.missing as Side];
        for (const side of sides)
          if ((await get(side, link[`${side}_key`])) !== undefined) return undefined;
        return { ...item, a_key: link.a_key, b_key: link.b_key };
      }
      // differs: the same pair, both there, still differing, and no change on its way.
      if (link.a_key !== item.a_key || link.b_key !== item.b_key) return undefined;
      const [a, b] = [await get('a', link.a_key), await get('b', link.b_key)];
      if (a === undefined || b === undefined) return undefined;
      const fields = differences(sync, a, b);
      if (fields === undefined || fields.length === 0) return undefined;
      if (pending('a', a, link) || pending('b', b, link)) return undefined;
      return { ...item, fields: JSON.stringify(fields) };
    }
  });
}

/** The keys of side `side` that `items` name, themselves or through their links. */
function namedKeys(items: readonly DriftItem[], links: ReadonlyMap<string, Link>, side: Side) {
  const keys = new Set<string>();
  for (const item of items) {
    const own = side === 'a' ? item.a_key : item.b_key;
    if (own) keys.add(own);
    const link = item.link_id ? links.get(String(item.link_id)) : undefined;
    const through = link?.[`${side}_key`];
    if (through) keys.add(through);
  }
  return [...keys];
}

/**
 * The records of side `side` with these keys, by key, found by the record type's key field in
 * as few calls as it allows (`find`); a key missing from the map has no record. `undefined`
 * when the record type cannot find: each is then read with `get`.
 */
async function findAll(sync: BulkSync, side: Side, keys: readonly string[]) {
  const records = sync.sides[side].records;
  if (keys.length === 0) return new Map<string, Row>();
  const found = await records.find(records.keyField, keys);
  if (found === undefined) return undefined;
  const byKey = new Map<string, Row>();
  for (const record of found) byKey.set(records.keyOf(record), record);
  return byKey;
}

/**
 * Whether the sync's change detection is running: its last run succeeded, no longer ago than
 * two of its intervals and a minute. One that stopped (its worker gone, its target failing)
 * settles nothing, so what it would carry is drift.
 */
function detecting(lastRun: SyncLastRun | null | undefined, sync: BulkSync): boolean {
  if (lastRun == null || !lastRun.ok) return false;
  const age = Date.now() - Date.parse(lastRun.at);
  return age <= (2 * sync.definition.intervalSeconds + 60) * 1000;
}

/** Per side, the instant the sync's next read of changes starts from (none: from the start). */
async function changeSince(db: Kysely<Database>, syncId: string) {
  const rows = await db
    .selectFrom('sync_cursors')
    .select(['side', 'position'])
    .where('sync_id', '=', syncId)
    .execute();
  const since: Partial<Record<Side, string>> = {};
  for (const row of rows) {
    const at = (row.position as { since?: unknown } | null)?.since;
    if (typeof at === 'string') since[row.side as Side] = at;
  }
  return since;
}
