import { randomUUID } from 'node:crypto';
import type { SyncRecord } from './record-client.js';
import { pickPaths } from './sync-codec.js';
import type { SyncContext } from './sync-context.js';
import { other, type SideName } from './sync-definition.js';
import { hashOfLink, keyOfLink, type LinkRow, writtenOfLink } from './sync-links.js';
import { createOther, handleGone, settle } from './sync-writes.js';

/** What one changed record led to. */
export type ChangeOutcome =
  | 'unchanged'
  | 'echo'
  | 'created'
  | 'updated'
  | 'conflict'
  | 'gone'
  | 'waiting'
  | 'unmappable';

/**
 * Applies one record of side `from` as the sync's change detection read it: skipped when its
 * hash is the link's (unchanged, or Junction's own write coming back: an echo), created on the
 * other side when unlinked, written to the other side when only this side changed, or handed to
 * the conflict policy when the other side changed too since the link's last agreement.
 */
export async function applyChange(
  ctx: SyncContext,
  from: SideName,
  record: SyncRecord,
): Promise<ChangeOutcome> {
  const to = other(from);
  const key = ctx.sides[from].keyOf(record);
  const view = ctx.codecs[from].view(record);
  if (view.errors.length > 0 || view.mapped === null) {
    ctx.logger.warn(
      { syncId: ctx.syncId, side: from, key, errors: view.errors },
      'a changed record cannot be mapped; it is not synced',
    );
    return 'unmappable';
  }
  const link = await ctx.links.find(from, key);
  if (!link) {
    ctx.counters.changeSeen(ctx.syncId, from);
    await createOther(ctx, from, key, record, view.mapped);
    return 'created';
  }
  if (link.state !== 'active') return 'waiting';
  if (view.hash === hashOfLink(link, from)) {
    if (!writtenOfLink(link, from)) return 'unchanged';
    // Junction's own write came back: recognised once, not sent again.
    ctx.counters.echoSuppressed(ctx.syncId, from);
    await ctx.links.update(link.id, from === 'a' ? { a_written: false } : { b_written: false });
    return 'echo';
  }
  ctx.counters.changeSeen(ctx.syncId, from);
  const toKey = keyOfLink(link, to) as string;
  const current: Partial<Record<SideName, SyncRecord>> = { [from]: record };
  if (ctx.definition.direction === 'both') {
    const theirs = await ctx.sides[to].get(toKey);
    if (theirs === undefined) {
      await handleGone(ctx, to, link);
      return 'gone';
    }
    if (ctx.codecs[to].view(theirs).hash !== hashOfLink(link, to)) {
      const both = { [from]: record, [to]: theirs } as Record<SideName, SyncRecord>;
      return resolveConflict(ctx, link, both);
    }
    current[to] = theirs;
  }
  const done = await settle(
    ctx,
    link,
    current,
    { [to]: view.mapped },
    {
      action: 'sync.record.update',
      data: { from: { side: from, key } },
    },
  );
  return done === 'gone' ? 'gone' : 'updated';
}

/** Both sides changed since the link's last agreement: the sync's conflict policy decides. */
export async function resolveConflict(
  ctx: SyncContext,
  link: LinkRow,
  records: Record<SideName, SyncRecord>,
): Promise<ChangeOutcome> {
  const policy = ctx.definition.conflict;
  ctx.counters.conflict(ctx.syncId, policy.policy);
  if (policy.policy === 'park') {
    await ctx.links.park(link, records, `scf_${randomUUID()}`);
    return 'conflict';
  }
  const mapped = {
    a: ctx.codecs.a.view(records.a).mapped ?? {},
    b: ctx.codecs.b.view(records.b).mapped ?? {},
  };
  let writes: Partial<Record<SideName, Record<string, unknown> | null>>;
  if (policy.policy === 'fields') {
    writes = {
      b: policy.aOwns.length > 0 ? pickPaths(mapped.a, policy.aOwns) : null,
      a: policy.bOwns.length > 0 ? pickPaths(mapped.b, policy.bOwns) : null,
    };
  } else {
    const winner = policy.policy === 'newest_wins' ? newer(ctx, records) : policy.policy[0];
    writes = winner === 'a' ? { b: mapped.a } : { a: mapped.b };
  }
  const done = await settle(ctx, link, records, writes, {
    action: 'sync.conflict.resolve',
    data: { policy: policy.policy, aKey: link.a_key, bKey: link.b_key },
  });
  return done === 'gone' ? 'gone' : 'conflict';
}

/** The side whose record was modified last (by each side's updated-at field); A on a tie. */
function newer(ctx: SyncContext, records: Record<SideName, SyncRecord>): SideName {
  const at = (side: SideName) => {
    const field = ctx.sides[side].updatedAtField;
    const value = field ? records[side][field] : undefined;
    const time =
      typeof value === 'number'
        ? value
        : typeof value === 'string'
          ? Date.parse(value)
          : Number.NaN;
    return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
  };
  return at('b') > at('a') ? 'b' : 'a';
}
