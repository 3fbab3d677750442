import { ConnectorError } from '@junction/connector-kit';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SyncRecord } from './record-client.js';
import type { SyncContext } from './sync-context.js';
import { other, reads, type SideName } from './sync-definition.js';
import { keyOfLink, type LinkAudit, type LinkRow, sideColumns } from './sync-links.js';

const SIDES = ['a', 'b'] as const;

/** The link columns of `side`'s record `record` (key `key`), as the codec and record type see it. */
export function linkState(
  ctx: SyncContext,
  side: SideName,
  key: string,
  record: SyncRecord,
  written: boolean,
) {
  return sideColumns(side, {
    key,
    record,
    view: ctx.codecs[side].view(record),
    updatedAtField: ctx.sides[side].updatedAtField,
    written,
  });
}

/** Who and what a write names in its audit entry. */
function described(ctx: SyncContext, side: SideName, key: string, op: string) {
  const s = ctx.sides[side];
  return {
    side,
    op,
    key,
    connector: `${s.connector.id}@${s.connector.version}`,
    recordType: s.recordType.name,
  };
}

/**
 * Writes `writes` (the fields for each side, by key of the link) and stores both sides' states
 * on the link with the audit entry, in one transaction. A side not written keeps `current`. A
 * record gone from its side is handed to the delete policy instead.
 */
export async function settle(
  ctx: SyncContext,
  link: LinkRow,
  current: Partial<Record<SideName, SyncRecord>>,
  writes: Partial<Record<SideName, Record<string, unknown> | null>>,
  entry: LinkAudit,
  options: {
    /** Sides of `current` Junction wrote itself (a merged record a person gave). */
    readonly writtenBefore?: readonly SideName[];
    readonly also?: (trx: Transaction<Database>) => Promise<void>;
  } = {},
): Promise<'settled' | 'gone'> {
  const after: Partial<Record<SideName, SyncRecord>> = { ...current };
  const done: Record<string, unknown>[] = [];
  for (const side of SIDES) {
    const fields = writes[side];
    if (!fields) continue;
    const key = keyOfLink(link, side) as string;
    const stored = await ctx.sides[side].update({ ...fields, [ctx.sides[side].keyField]: key });
    if (stored === undefined) {
      await handleGone(ctx, side, link);
      return 'gone';
    }
    ctx.counters.write(ctx.syncId, side, 'update');
    after[side] = stored;
    done.push({ ...described(ctx, side, key, 'update'), values: fields });
  }
  let patch = {};
  for (const side of SIDES) {
    const record = after[side];
    if (!record) continue;
    patch = {
      ...patch,
      ...linkState(
        ctx,
        side,
        keyOfLink(link, side) as string,
        record,
        Boolean(writes[side]) || (options.writtenBefore ?? []).includes(side),
      ),
    };
  }
  await ctx.links.update(
    link.id,
    { ...patch, state: 'active', note: null },
    { action: entry.action, data: { ...entry.data, writes: done } },
    options.also,
  );
  return 'settled';
}

/** Kinds of failure after which the create certainly did not happen. */
const REFUSED = new Set(['invalidInput', 'auth', 'rateLimited']);

/**
 * Creates on the other side the record `record` of `from` maps to. A `pending` link is
 * committed first. A create refused for certain removes it and fails. A create whose outcome is
 * unknown (a 503, a timeout, a lost answer) fails the run with the link left `pending` when the
 * sync has a `match`: the page is read again after the next run's `recoverPending` has looked
 * for the record by its match value (found: linked; not found: created then). Without a match
 * nothing can tell, and the link is `flagged` for a person rather than risk a second record.
 */
export async function createOther(
  ctx: SyncContext,
  from: SideName,
  key: string,
  record: SyncRecord,
  mapped: Record<string, unknown>,
): Promise<void> {
  const to = other(from);
  const pending = await ctx.links.insertPending(linkState(ctx, from, key, record, false));
  let stored: SyncRecord;
  try {
    stored = await ctx.sides[to].create(mapped);
  } catch (error) {
    const kind = error instanceof ConnectorError ? error.kind : undefined;
    if (kind !== undefined && REFUSED.has(kind)) {
      await ctx.links.remove(pending.id, {
        action: 'sync.record.create-refused',
        data: {
          ...described(ctx, to, '', 'create'),
          from: { side: from, key },
          error: String(error),
        },
      });
      throw error;
    }
    ctx.counters.write(ctx.syncId, to, 'create-unknown');
    // The match settles it: the next run's recoverPending links the record or creates it.
    if (ctx.definition.match) throw error;
    const reason = 'create outcome unknown (no match to look for the record by)';
    await ctx.links.setState(pending.id, 'flagged', `${reason}: ${String(error)}`, {
      action: 'sync.link.flag',
      data: { from: { side: from, key }, reason, error: String(error) },
    });
    return;
  }
  const toKey = ctx.sides[to].keyOf(stored);
  ctx.counters.write(ctx.syncId, to, 'create');
  await ctx.links.update(
    pending.id,
    { ...linkState(ctx, to, toKey, stored, true), state: 'active', note: null },
    {
      action: 'sync.record.create',
      data: { ...described(ctx, to, toKey, 'create'), from: { side: from, key }, values: mapped },
    },
  );
}

/**
 * A linked record is gone from `gone`: the other side's record is deleted, archived or the link
 * flagged, by the delete policy (always flagged when the sync does not carry `gone`'s changes).
 */
export async function handleGone(ctx: SyncContext, gone: SideName, link: LinkRow): Promise<void> {
  const target = other(gone);
  const targetKey = keyOfLink(link, target);
  const { deletes } = ctx.definition;
  const because = { gone: { side: gone, key: keyOfLink(link, gone) } };
  if (!reads(ctx.definition, gone) || targetKey === null || deletes.policy === 'flag') {
    ctx.counters.deleteHandled(ctx.syncId, 'flag');
    await ctx.links.setState(link.id, 'flagged', `deleted on ${gone}`, {
      action: 'sync.link.flag',
      data: { ...because, reason: `deleted on ${gone}` },
    });
    return;
  }
  const side = ctx.sides[target];
  if (deletes.policy === 'delete') {
    await side.delete(targetKey);
    ctx.counters.write(ctx.syncId, target, 'delete');
    ctx.counters.deleteHandled(ctx.syncId, 'delete');
    await ctx.links.remove(link.id, {
      action: 'sync.record.delete',
      data: { ...described(ctx, target, targetKey, 'delete'), ...because },
    });
    return;
  }
  const fields = { [deletes.field]: deletes.value, [side.keyField]: targetKey };
  const stored = await side.update(fields);
  ctx.counters.write(ctx.syncId, target, 'archive');
  ctx.counters.deleteHandled(ctx.syncId, 'archive');
  const patch = stored ? linkState(ctx, target, targetKey, stored, true) : {};
  await ctx.links.update(
    link.id,
    { ...patch, state: stored ? 'archived' : 'flagged', note: `deleted on ${gone}` },
    {
      action: stored ? 'sync.record.archive' : 'sync.link.flag',
      data: { ...described(ctx, target, targetKey, 'archive'), values: fields, ...because },
    },
  );
}
