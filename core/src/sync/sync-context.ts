import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import type { SyncCounters } from '../metrics/sync-counters.js';
import type { RecordClient, RecordSide } from './record-client.js';
import { createCodecs, type SideCodec } from './sync-codec.js';
import type { SideName, SyncDefinition } from './sync-definition.js';
import { type SyncLinks, syncLinks } from './sync-links.js';

/** What applying one sync's changes needs: its definition, both sides, codecs, links, counters. */
export interface SyncContext {
  readonly syncId: string;
  readonly definition: SyncDefinition;
  readonly sides: Readonly<Record<SideName, RecordSide>>;
  readonly codecs: Readonly<Record<SideName, SideCodec>>;
  readonly links: SyncLinks;
  readonly counters: SyncCounters;
  readonly logger: Logger;
}

/**
 * The context of sync `syncId` at its current version, with `enabled`; undefined when there is
 * no such sync. `actor` is who its link changes are audited as.
 */
export async function openSyncContext(
  deps: {
    readonly db: Kysely<Database>;
    readonly records: RecordClient;
    readonly counters: SyncCounters;
    readonly logger: Logger;
  },
  syncId: string,
  actor = `sync:${syncId}`,
): Promise<{ enabled: boolean; ctx: SyncContext } | undefined> {
  const row = await deps.db
    .selectFrom('syncs as s')
    .innerJoin('sync_versions as v', (j) =>
      j.onRef('v.sync_id', '=', 's.id').onRef('v.version', '=', 's.current_version'),
    )
    .select(['s.enabled', 'v.definition'])
    .where('s.id', '=', syncId)
    .executeTakeFirst();
  if (!row) return undefined;
  const definition = row.definition as SyncDefinition;
  return {
    enabled: row.enabled,
    ctx: {
      syncId,
      definition,
      sides: {
        a: await deps.records.side(definition.a),
        b: await deps.records.side(definition.b),
      },
      codecs: createCodecs(definition),
      links: syncLinks(deps.db, syncId, actor),
      counters: deps.counters,
      logger: deps.logger,
    },
  };
}
