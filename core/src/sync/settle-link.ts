import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { noSyncCounters } from '../metrics/sync-counters.js';
import type { RecordClient, SyncRecord } from './record-client.js';
import { openSyncContext, type SyncContext } from './sync-context.js';
import { other, type SideName } from './sync-definition.js';
import type { LinkRow } from './sync-links.js';
import { linkState } from './sync-writes.js';

/** What a person does with a link that waits for one. */
export type LinkSettlement =
  /** Link to `key` of `side` (a record that exists and no other link holds). */
  | { readonly kind: 'relink'; readonly side: SideName; readonly key: string }
  /** Take both records as they are now: the link syncs again. */
  | { readonly kind: 'clear' }
  /** Remove the link: the next backfill or change of either record treats it as new. */
  | { readonly kind: 'unlink' };

/** The states of links that wait for a person and are settled here (conflicts are resolved). */
const WAITING = new Set(['flagged', 'archived']);

interface SettleDeps {
  readonly db: Kysely<Database>;
  readonly records: RecordClient;
  readonly logger: Logger;
}

/**
 * Settles a flagged (or archived) link of sync `syncId`: relinks one side to a given record,
 * clears the flag, or unlinks. The records are read first; a refusal (404 no such link, 409 the
 * link's state or a record linked already or gone, 422 no such record) changes nothing. The link
 * after it (undefined once unlinked), changed with its audit entry in one transaction.
 */
export async function settleLink(
  deps: SettleDeps,
  syncId: string,
  linkId: string,
  settlement: LinkSettlement,
  by: Actor,
): Promise<LinkRow | undefined> {
  const opened = await openSyncContext({ ...deps, counters: noSyncCounters }, syncId, by.actor);
  if (!opened) throw new ConfigProblem([], `No sync with id ${syncId}.`, 404);
  const { ctx } = opened;
  const link = /^\d{1,18}$/.test(linkId) ? await ctx.links.get(linkId) : undefined;
  if (!link) throw new ConfigProblem([], `Sync ${syncId} has no link ${linkId}.`, 404);
  if (!WAITING.has(link.state))
    throw new ConfigProblem(
      [],
      `Link ${linkId} is ${link.state}; only a flagged or archived link is settled here${link.state === 'conflict' ? ' (resolve its conflict instead)' : ''}.`,
      409,
    );
  const before = { aKey: link.a_key, bKey: link.b_key, state: link.state, note: link.note };
  const audit = (action: string, data: Record<string, unknown>) => ({
    actor: by.actor,
    action,
    subjectType: 'sync',
    subjectId: syncId,
    ...(by.requestId ? { requestId: by.requestId } : {}),
    data: { link: linkId, before, ...data },
  });

  if (settlement.kind === 'unlink') {
    await deps.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('sync_links').where('id', '=', link.id).execute();
      await recordAudit(trx, audit('sync.link.unlink', {}));
    });
    return undefined;
  }

  const keys: Record<SideName, string | null> = { a: link.a_key, b: link.b_key };
  const current: Partial<Record<SideName, SyncRecord>> = {};
  if (settlement.kind === 'relink') {
    const { side, key } = settlement;
    keys[side] = key;
    current[side] = await currentRecord(ctx, side, key, settlement);
    const holder = await ctx.links.find(side, key);
    if (holder && holder.id !== link.id)
      throw new ConfigProblem(
        [{ pointer: '/key', detail: `already linked by link ${holder.id}` }],
        `Record ${key} of side ${side} is linked already (link ${holder.id}).`,
        409,
        { link: String(holder.id) },
      );
  }
  for (const side of ['a', 'b'] as const)
    current[side] ??= await currentRecord(ctx, side, keys[side], settlement);
  const patch = {
    ...linkState(ctx, 'a', keys.a as string, current.a as SyncRecord, false),
    ...linkState(ctx, 'b', keys.b as string, current.b as SyncRecord, false),
    state: 'active' as const,
    note: null,
    updated_at: new Date(),
  };
  const action = settlement.kind === 'relink' ? 'sync.link.relink' : 'sync.link.clear';
  try {
    await deps.db.transaction().execute(async (trx) => {
      await trx.updateTable('sync_links').set(patch).where('id', '=', link.id).execute();
      await recordAudit(trx, audit(action, { after: { aKey: keys.a, bKey: keys.b } }));
    });
  } catch (error) {
    // A change detection linked the record meanwhile.
    if ((error as { code?: string }).code !== '23505') throw error;
    throw new ConfigProblem([], 'The record was linked meanwhile; read the links again.', 409);
  }
  return ctx.links.get(linkId);
}

/** The record `key` of `side` as it is now; a missing key or a record gone is refused. */
async function currentRecord(
  ctx: SyncContext,
  side: SideName,
  key: string | null,
  settlement: LinkSettlement,
): Promise<SyncRecord> {
  const given = settlement.kind === 'relink' && settlement.side === side;
  if (key === null)
    throw new ConfigProblem(
      [],
      `The link has no record on side ${side}: relink it to one (side ${side}) or unlink it.`,
      409,
    );
  const record = await ctx.sides[side].get(key);
  if (record !== undefined) return record;
  if (given)
    throw new ConfigProblem([
      { pointer: '/key', detail: `side ${side} has no record with key ${key}` },
    ]);
  const fix = `relink it to another (side ${side}) or unlink it`;
  throw new ConfigProblem(
    [],
    `Record ${key} of side ${side} is gone${settlement.kind === 'relink' ? ` (side ${other(side)} is relinked, not this one)` : ''}: ${fix}.`,
    409,
  );
}
