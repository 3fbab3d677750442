import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SyncRecord } from './record-client.js';
import { valueAt } from './sync-codec.js';
import type { SyncContext } from './sync-context.js';
import { other, type SideName } from './sync-definition.js';
import { keyOfLink, type LinkRow } from './sync-links.js';
import { linkState } from './sync-writes.js';

/**
 * Settles the `pending` links a run left when it stopped between committing the link and
 * recording the create (a killed worker). Runs before a run reads changes, under the sync's lock,
 * so no create of these is in flight. With the sync's `match`, the records the creates would have
 * made are looked up by their match values (`find`, contract 1.14; a record type without it, or a
 * match value that is no scalar, has the other side scanned once instead): one found completes
 * its link; none found means the create did not happen, and the link is removed so the record
 * is created when read again (its page was not saved). Without `match` the outcome cannot be
 * known: the link is flagged.
 */
export async function recoverPending(ctx: SyncContext, db: Kysely<Database>, pageSize: number) {
  const pending = await db
    .selectFrom('sync_links')
    .selectAll()
    .where('sync_id', '=', ctx.syncId)
    .where('state', '=', 'pending')
    .orderBy('id')
    .limit(1000)
    .execute();
  if (pending.length === 0) return 0;
  const { match } = ctx.definition;
  for (const to of ['a', 'b'] as const) {
    const from = other(to);
    const mine = pending.filter((l) => keyOfLink(l, from) !== null && keyOfLink(l, to) === null);
    if (mine.length === 0) continue;
    if (!match) {
      for (const link of mine) await flag(ctx, link, 'the run that created it stopped');
      continue;
    }
    // What each record of `from` would be matched by on `to`.
    const wanted = new Map<string, LinkRow[]>();
    for (const link of mine) {
      const source = await ctx.sides[from].get(keyOfLink(link, from) as string);
      const value = source === undefined ? undefined : valueAt(source, match[from]);
      if (value === undefined || value === null) {
        await flag(ctx, link, 'the run that created it stopped (no match value)');
        continue;
      }
      const id = JSON.stringify(value);
      wanted.set(id, [...(wanted.get(id) ?? []), link]);
    }
    const each = async (record: SyncRecord) => {
      const id = JSON.stringify(valueAt(record, match[to]) ?? null);
      const links = wanted.get(id);
      if (!links?.length) return;
      // A record already linked to another is not the one a lost create made.
      if (await ctx.links.find(to, ctx.sides[to].keyOf(record))) return;
      await complete(ctx, links.shift() as LinkRow, to, record);
    };
    const found = await findByMatch(ctx, to, match[to], [...wanted.keys()]);
    if (found === undefined) await scan(ctx, to, pageSize, each);
    else for (const record of found) await each(record);
    for (const links of wanted.values()) {
      for (const link of links) await ctx.links.forget(link.id);
    }
  }
  return pending.length;
}

/**
 * The records of side `side` whose value at `field` is one of `wanted` (JSON texts of match
 * values), found by the record type's `find` in key order; `undefined` when it cannot find (no
 * `find`, a field it cannot search by, a value that is no scalar): the caller scans instead.
 */
async function findByMatch(
  ctx: SyncContext,
  side: SideName,
  field: string,
  wanted: readonly string[],
): Promise<SyncRecord[] | undefined> {
  const values: string[] = [];
  for (const id of wanted) {
    const value: unknown = JSON.parse(id);
    if (value === null || typeof value === 'object') return undefined;
    values.push(String(value));
  }
  const found = await ctx.sides[side].find(field, values);
  if (found === undefined) return undefined;
  const keyOf = (record: SyncRecord) => ctx.sides[side].keyOf(record);
  return found.sort((x, y) => keyOf(x).localeCompare(keyOf(y), 'en', { numeric: true }));
}

async function scan(
  ctx: SyncContext,
  side: SideName,
  pageSize: number,
  each: (record: SyncRecord) => Promise<void>,
) {
  let cursor: string | undefined;
  do {
    const page = await ctx.sides[side].list({ ...(cursor ? { cursor } : {}), limit: pageSize });
    for (const record of page.records) await each(record);
    cursor = page.next;
  } while (cursor !== undefined);
}

/** The create happened: the link records what it made, as the run that stopped would have. */
async function complete(ctx: SyncContext, link: LinkRow, to: SideName, stored: SyncRecord) {
  const key = ctx.sides[to].keyOf(stored);
  const columns = linkState(ctx, to, key, stored, true);
  await ctx.links.update(
    link.id,
    { ...columns, state: 'active', note: null },
    {
      action: 'sync.link.recover',
      data: { side: to, key, from: { side: other(to), key: keyOfLink(link, other(to)) } },
    },
  );
}

async function flag(ctx: SyncContext, link: LinkRow, why: string) {
  await ctx.links.setState(link.id, 'flagged', `create outcome unknown: ${why}`, {
    action: 'sync.link.flag',
    data: { aKey: link.a_key, bKey: link.b_key, reason: `create outcome unknown: ${why}` },
  });
}
