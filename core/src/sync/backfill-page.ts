import { sql } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { PendingBatch } from '../db/tables/sync-bulk-tables.js';
import { insertLinks, type LinkSideState, linkedKeys, type NewLink } from './bulk-links.js';
import { type BulkSide, linkState } from './bulk-side.js';
import type { BackfillDeps, BackfillRow, BulkSync } from './run-backfill.js';
import { other, reads } from './sync-definition.js';

type Row = Readonly<Record<string, unknown>>;

const pair = (from: BulkSide, mine: LinkSideState, theirs: LinkSideState): NewLink =>
  from.name === 'a' ? { a: mine, b: theirs } : { a: theirs, b: mine };

/**
 * One page of a walk over side `from`: its records without a link are linked to the scanned
 * record of the other side with the same match value, or created there in one batch (when the
 * sync writes that way); the links, the page's audit entry and the cursor commit together.
 */
export async function walkPage(
  deps: BackfillDeps,
  sync: BulkSync,
  row: BackfillRow,
  from: BulkSide,
  page: { records: readonly Row[]; next: string | null },
  scratch: string,
  /** Whether the scan stored unused rows of the other side (else no match lookup). */
  scanned: boolean,
): Promise<BackfillRow> {
  const { db } = deps;
  const to = sync.sides[other(from.name)];
  const keys = page.records.map((r) => from.records.keyOf(r));
  const linked = await linkedKeys(db, sync.id, from.name, keys);
  const open = page.records.flatMap((record, i) =>
    linked.has(keys[i] as string) ? [] : [{ record, key: keys[i] as string }],
  );
  const matches = open.map(({ record }) => from.codec.match(record));
  const links: NewLink[] = [];
  const used: string[] = [];
  const rest: { record: Row; key: string; match: string | null }[] = [];
  const wanted = [...new Set(matches.filter((m): m is string => m !== null))];
  if (scanned && wanted.length > 0) {
    const { rows: found } = await sql<{
      key: string;
      join_key: string;
      hash: string | null;
      version: string | null;
      body: Record<string, unknown> | null;
    }>`select key, join_key, hash, version, body from sync_scan_rows
      where scan_id = ${scratch} and side = ${to.name} and not used
        and join_key = any(${wanted}::text[]) order by join_key, key`.execute(db);
    const byMatch = new Map<string, (typeof found)[number][]>();
    for (const f of found) byMatch.set(f.join_key, [...(byMatch.get(f.join_key) ?? []), f]);
    open.forEach(({ record, key }, i) => {
      const match = matches[i] ?? null;
      const theirs = match === null ? undefined : byMatch.get(match)?.shift();
      if (theirs === undefined) {
        rest.push({ record, key, match });
        return;
      }
      used.push(theirs.key);
      links.push(
        pair(from, linkState(from, record, false, key), {
          key: theirs.key,
          hash: theirs.hash,
          version: theirs.version,
          base: theirs.body,
          written: false,
        }),
      );
    });
  } else
    open.forEach(({ record, key }, i) => {
      rest.push({ record, key, match: matches[i] ?? null });
    });

  const matchedCount = links.length;
  let skipped = 0;
  let createdCount = 0;
  if (rest.length > 0 && reads(sync.definition, from.name)) {
    const mapped = rest.flatMap((r) => {
      const { mapped: result, state } = from.codec.mapWithState(r.record);
      if (result === undefined || result.error !== undefined) {
        skipped++;
        if (skipped === 1)
          deps.logger.warn(
            { backfill: row.id, side: from.name, key: r.key, error: result?.error },
            'sync backfill skipped a record its mapping cannot map',
          );
        return [];
      }
      return [{ ...r, output: result.output, state }];
    });
    if (mapped.length > 0) {
      const pending: PendingBatch = {
        from: from.name,
        keys: mapped.map((m) => m.key),
        matches: mapped.map((m) => m.match),
      };
      await db
        .updateTable('sync_backfills')
        .set({ pending: JSON.stringify(pending), updated_at: new Date() })
        .where('id', '=', row.id)
        .execute();
      const created = await to.records.createMany(mapped.map((m) => m.output));
      created.forEach((record, i) => {
        const m = mapped[i] as (typeof mapped)[number];
        links.push(
          pair(from, { key: m.key, ...m.state, written: false }, linkState(to, record, true)),
        );
      });
      createdCount = created.length;
    }
  }
  return db.transaction().execute(async (trx) => {
    await insertLinks(trx, sync.id, links);
    if (used.length > 0)
      await trx
        .updateTable('sync_scan_rows')
        .set({ used: true })
        .where('scan_id', '=', scratch)
        .where('side', '=', to.name)
        .where('key', 'in', used)
        .execute();
    if (links.length > 0) {
      const keysOf = (l: NewLink) => [l.a.key, l.b.key];
      await recordAudit(trx, {
        actor: `sync:${sync.id}`,
        action: 'sync.backfill.page',
        subjectType: 'sync',
        subjectId: sync.id,
        data: {
          backfill: row.id,
          from: from.name,
          linked: links.slice(0, matchedCount).map(keysOf),
          created: { side: to.name, links: links.slice(matchedCount).map(keysOf) },
        },
      });
    }
    return trx
      .updateTable('sync_backfills')
      .set((eb) => ({
        cursor: page.next,
        pending: null,
        done: eb('done', '+', String(page.records.length)),
        linked: eb('linked', '+', String(matchedCount)),
        [`created_${to.name}`]: eb(`created_${to.name}`, '+', String(createdCount)),
        skipped: eb('skipped', '+', String(skipped)),
        updated_at: new Date(),
      }))
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}
