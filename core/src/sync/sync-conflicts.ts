import type { Kysely, Selectable } from 'kysely';
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
import { settle } from './sync-writes.js';

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
  const link = await opened?.ctx.links.get(conflict.link_id);
  if (!opened || !link) throw new ConfigProblem([], 'The conflict no longer has a link.', 409);
  const { ctx } = opened;
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
  if (chosen === undefined)
    throw new ConfigProblem([], `The record ${key} is gone from side ${side}.`, 409);
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
      also: async (trx) => {
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
      },
    },
  );
  if (done === 'gone')
    throw new ConfigProblem([], `The record is gone from side ${other(side)}.`, 409);
}
