import type { Kysely, Selectable, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { Database } from '../db/schema.js';
import type { SyncConflictsTable } from '../db/tables/sync-tables.js';
import type { Logger } from '../log/create-logger.js';
import { noSyncCounters, type SyncCounters } from '../metrics/sync-counters.js';
import type { RecordClient } from './record-client.js';
import { openSyncContext } from './sync-context.js';
import { other, type SideName } from './sync-definition.js';
import { keyOfLink } from './sync-links.js';
import { handleGone, settle } from './sync-writes.js';

export type ConflictRow = Selectable<SyncConflictsTable>;

/** How a person settles a parked conflict: one side's current record, or a merged record. */
export type ConflictChoice =
  | { readonly take: SideName }
  | { readonly side: SideName; readonly record: Record<string, unknown> };

export interface ConflictView {
  readonly id: string;
  readonly syncId: string;
  readonly state: 'open' | 'resolved';
  readonly aKey: string | null;
  readonly bKey: string | null;
  /** What each side meant for the other at the last agreement (its mapping's output). */
  readonly base: { a: unknown; b: unknown };
  readonly a: Record<string, unknown> | null;
  readonly b: Record<string, unknown> | null;
  readonly resolution: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

export function conflictView(row: ConflictRow): ConflictView {
  return {
    id: row.id,
    syncId: row.sync_id,
    state: row.state,
    aKey: row.a_key,
    bKey: row.b_key,
    base: row.base,
    a: row.a_record,
    b: row.b_record,
    resolution: row.resolution,
    createdAt: new Date(row.created_at).toISOString(),
    resolvedAt: row.resolved_at ? new Date(row.resolved_at).toISOString() : null,
    resolvedBy: row.resolved_by,
  };
}

/**
 * Resolves a parked conflict: writes the chosen record to both sides (the chosen side's current
 * record mapped to the other; or a merged record written to its side, then mapped to the other),
 * and marks the conflict resolved with its audit entry, in the transaction that settles the link.
 * A record deleted on a side meanwhile is handed to the delete policy and the conflict closes with
 * that outcome (`resolution.outcome: 'gone'`); so does one whose link is gone.
 */
export async function resolveParkedConflict(
  deps: {
    readonly db: Kysely<Database>;
    readonly records: RecordClient;
    readonly logger: Logger;
    readonly counters?: SyncCounters;
  },
  conflict: ConflictRow,
  choice: ConflictChoice,
  by: Actor,
): Promise<void> {
  if (conflict.state !== 'open')
    throw new ConfigProblem([], `Conflict ${conflict.id} is already resolved.`, 409);
  const opened = await openSyncContext(
    { ...deps, counters: deps.counters ?? noSyncCounters },
    conflict.sync_id,
    by.actor,
  );
  if (!opened) throw new ConfigProblem([], 'The sync of this conflict is gone.', 409);
  const { ctx } = opened;
  const link = await ctx.links.get(conflict.link_id);
  // The link went meanwhile (both records deleted): nothing is left to write.
  if (!link) return closeGone(deps.db, conflict, { outcome: 'link gone' }, by);
  const side = 'take' in choice ? choice.take : choice.side;
  const pointer = 'take' in choice ? '/take' : '/side';
  if (ctx.definition.direction !== 'both' || ctx.codecs[side].view({}).mapped === null)
    throw new ConfigProblem([{ pointer, detail: `the sync does not map side ${side}` }]);
  const key = keyOfLink(link, side) as string;
  const records = ctx.sides[side];
  const chosen =
    'take' in choice
      ? await records.get(key)
      : await records.update({ ...choice.record, [records.keyField]: key });
  const gone = async (from: SideName) => {
    // Deleted on a side meanwhile: the delete policy takes the link, and the conflict closes.
    await handleGone(ctx, from, { ...link, state: 'active' });
    const outcome = { outcome: 'gone', gone: from, deletes: ctx.definition.deletes.policy };
    return closeGone(deps.db, conflict, outcome, by);
  };
  if (chosen === undefined) return gone(side);
  if (!('take' in choice)) ctx.counters.write(ctx.syncId, side, 'update');
  const mapped = ctx.codecs[side].view(chosen);
  if (mapped.errors.length > 0 || mapped.mapped === null)
    throw new ConfigProblem(
      mapped.errors.map((e) => ({ pointer: `/record${e.pointer}`, detail: e.message })),
      'The chosen record cannot be mapped to the other side.',
    );
  const resolution = 'take' in choice ? { take: side } : { side, record: choice.record };
  const done = await settle(
    ctx,
    { ...link, state: 'active' },
    { [side]: chosen },
    { [other(side)]: mapped.mapped },
    { action: 'sync.conflict.resolve', data: { conflict: conflict.id, ...resolution } },
    {
      writtenBefore: 'take' in choice ? [] : [side],
      also: (trx) => markResolved(trx, conflict, resolution, by),
    },
  );
  // The other side's record went meanwhile: settle handed it to the delete policy.
  if (done === 'gone')
    await closeGone(deps.db, conflict, { outcome: 'gone', gone: other(side) }, by);
}

/** Marks a conflict resolved with what happened instead of a write, audited. */
async function closeGone(
  db: Kysely<Database>,
  conflict: ConflictRow,
  resolution: Record<string, unknown>,
  by: Actor,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await markResolved(trx, conflict, resolution, by);
    await recordAudit(trx, {
      actor: by.actor,
      action: 'sync.conflict.resolve',
      subjectType: 'sync',
      subjectId: conflict.sync_id,
      requestId: by.requestId,
      data: { conflict: conflict.id, ...resolution },
    });
  });
}

async function markResolved(
  trx: Transaction<Database>,
  conflict: ConflictRow,
  resolution: Record<string, unknown>,
  by: Actor,
): Promise<void> {
  await trx
    .updateTable('sync_conflicts')
    .set({
      state: 'resolved',
      resolution: JSON.stringify(resolution),
      resolved_at: new Date(),
      resolved_by: by.actor,
      updated_at: new Date(),
    })
    .where('id', '=', conflict.id)
    .execute();
}
