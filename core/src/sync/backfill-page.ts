import { sql } from 'kysely';
import { auditInsertSql } from '../audit/record-audit.js';
import { insertLinksSql, type LinkSideState, linkedKeys, linkJson } from './bulk-links.js';
import { type BulkSide, linkState } from './bulk-side.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';
import type { Mapped } from './side-codec.js';
import { other, reads } from './sync-definition.js';

type Row = Readonly<Record<string, unknown>>;

/** A record of a page to create on the other side: its key, match hash, output and link state. */
interface ToCreate {
  readonly key: string;
  readonly match: string | null;
  readonly output: Mapped['output'];
  readonly state: LinkSideState;
}

/** A page of a walk made ready to send: what links to a scanned record, what is created. */
export interface PreparedPage {
  readonly read: number;
  readonly next: string | null;
  /** The source keys of the page (a later page treats them as linked until this one commits). */
  readonly keys: readonly string[];
  /** Links to scanned records (JSON members, see `linkJson`) and their key pairs. */
  readonly matched: readonly { readonly json: string; readonly keys: [string, string] }[];
  /** The scanned records' keys those links use. */
  readonly used: readonly string[];
  readonly creates: readonly ToCreate[];
  readonly skipped: number;
}

/** Which lookups a walk's pages make (see `walkLookups`). */
export interface Lookups {
  /** Of links: some record of the side walked may be linked. */
  readonly linked: boolean;
  /** Of scan rows: the other side's scan left some unused. */
  readonly scanned: boolean;
}

/** What a prepared page knows of the pages before it that have not committed yet. */
export interface InFlight {
  /** Source keys read by them. */
  readonly keys: ReadonlySet<string>;
  /** Scanned records they link to. */
  readonly used: ReadonlySet<string>;
}

const pair = (from: BulkSide, mine: LinkSideState, theirs: LinkSideState) =>
  from.name === 'a' ? linkJson(mine, theirs) : linkJson(theirs, mine);
const keyPair = (from: BulkSide, mine: string, theirs: string): [string, string] =>
  from.name === 'a' ? [mine, theirs] : [theirs, mine];

/**
 * Prepares a page of a walk over side `from`: its records without a link (looked up when
 * `lookups.linked`; nor read by a page in flight) are linked to the unused scanned record of the
 * other side with the same match value (looked up when `lookups.scanned`), or mapped to be
 * created there (when the sync writes that way).
 */
export async function preparePage(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
  from: BulkSide,
  page: { records: readonly Row[]; next: string | null },
  lookups: Lookups,
  inFlight: InFlight,
): Promise<PreparedPage> {
  const to = sync.sides[other(from.name)];
  const keys = page.records.map((r) => from.records.keyOf(r));
  const linked = lookups.linked
    ? await linkedKeys(deps.db, sync.id, from.name, keys)
    : new Set<string>();
  const open: { record: Row; key: string; match: string | null }[] = [];
  page.records.forEach((record, i) => {
    const key = keys[i] as string;
    if (!linked.has(key) && !inFlight.keys.has(key))
      open.push({ record, key, match: from.codec.match(record) });
  });
  const matched: { json: string; keys: [string, string] }[] = [];
  const used: string[] = [];
  let rest = open;
  const wanted = lookups.scanned
    ? [...new Set(open.flatMap((o) => (o.match === null ? [] : o.match)))]
    : [];
  if (wanted.length > 0) {
    const { rows: found } = await sql<{
      key: string;
      join_key: string;
      hash: string | null;
      version: string | null;
      body: Record<string, unknown> | null;
    }>`select key, join_key, hash, version, body from sync_scan_rows
      where scan_id = ${row.id} and side = ${to.name} and not used
        and join_key = any(${wanted}::text[]) order by join_key, key`.execute(deps.db);
    const byMatch = new Map<string, (typeof found)[number][]>();
    for (const f of found)
      if (!inFlight.used.has(f.key))
        byMatch.set(f.join_key, [...(byMatch.get(f.join_key) ?? []), f]);
    rest = [];
    for (const o of open) {
      const theirs = o.match === null ? undefined : byMatch.get(o.match)?.shift();
      if (theirs === undefined) {
        rest.push(o);
        continue;
      }
      used.push(theirs.key);
      const state = { ...theirs, base: theirs.body, written: false };
      matched.push({
        json: pair(from, linkState(from, o.record, false, o.key), state),
        keys: keyPair(from, o.key, theirs.key),
      });
    }
  }
  const creates: ToCreate[] = [];
  let skipped = 0;
  if (reads(sync.definition, from.name))
    for (const r of rest) {
      const { mapped, state } = from.codec.mapWithState(r.record);
      if (mapped === undefined || mapped.error !== undefined) {
        skipped++;
        if (skipped === 1)
          deps.logger.warn(
            { backfill: row.id, side: from.name, key: r.key, error: mapped?.error },
            'sync backfill skipped a record its mapping cannot map',
          );
        continue;
      }
      creates.push({
        key: r.key,
        match: r.match,
        output: mapped.output,
        state: { key: r.key, ...state, written: false },
      });
    }
  return { read: page.records.length, next: page.next, keys, matched, used, creates, skipped };
}

/**
 * Commits a page whose creates came back as `created` in one statement (one transaction): its
 * links, the scanned records they used, its audit entry (`sync.backfill.page`: the key pairs
 * linked and created), the deletion of its batch row (`batch`, recorded before it was sent) and
 * the backfill's cursor after it.
 */
export async function commitPage(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
  from: BulkSide,
  page: PreparedPage,
  created: readonly Row[],
  batch: string | undefined,
): Promise<BackfillRow> {
  const to = sync.sides[other(from.name)];
  const links = page.matched.map((m) => m.json);
  const createdKeys: [string, string][] = [];
  created.forEach((record, i) => {
    const mine = (page.creates[i] as ToCreate).state;
    const theirs = linkState(to, record, true);
    links.push(pair(from, mine, theirs));
    createdKeys.push(keyPair(from, mine.key as string, theirs.key as string));
  });
  const ctes = [];
  if (links.length > 0) {
    ctes.push(sql`links as (${insertLinksSql(sync.id, `[${links.join(',')}]`)})`);
    ctes.push(
      sql`audit as (${auditInsertSql({
        actor: `sync:${sync.id}`,
        action: 'sync.backfill.page',
        subjectType: 'sync',
        subjectId: sync.id,
        data: {
          backfill: row.id,
          from: from.name,
          linked: page.matched.map((m) => m.keys),
          created: { side: to.name, links: createdKeys },
        },
      })})`,
    );
  }
  if (page.used.length > 0)
    ctes.push(sql`used as (update sync_scan_rows set used = true
      where scan_id = ${row.id} and side = ${to.name} and key = any(${page.used}::text[]))`);
  if (batch !== undefined)
    ctes.push(sql`sent as (delete from sync_backfill_batches where seq = ${batch}::bigint)`);
  const createdColumn = sql.ref(`created_${to.name}`);
  const { rows } = await sql<BackfillRow>`${ctes.length > 0 ? sql`with ${sql.join(ctes)}` : sql``}
    update sync_backfills set cursor = ${page.next}, done = done + ${page.read}, linked = linked + ${page.matched.length},
      ${createdColumn} = ${createdColumn} + ${created.length}, skipped = skipped + ${page.skipped},
      updated_at = ${new Date()}
    where id = ${row.id} returning *`.execute(deps.db);
  return rows[0] as BackfillRow;
}
