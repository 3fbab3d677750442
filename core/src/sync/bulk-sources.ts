import type { BulkRecords, BulkSide } from './bulk-side.js';
import type { RecordClient } from './record-client.js';
import { sideCodec } from './side-codec.js';
import type { LoadedSync, SyncBulkDeps } from './sync-bulk.js';
import { mappingFrom } from './sync-definition.js';
import type { SyncStore } from './sync-store.js';

/**
 * Where backfill and reconciliation find a sync's definition (the store, at the version they
 * were started with) and its sides (the record client: record calls through the executor).
 */
export function syncBulkSources(
  syncs: SyncStore,
  records: RecordClient,
): Pick<SyncBulkDeps, 'loadSync' | 'sidesOf'> {
  return {
    async loadSync(id, version) {
      const row = await syncs.get(id);
      if (row === undefined) return undefined;
      const at = version ?? row.current_version;
      return { id, version: at, definition: await syncs.definitionOf(id, at) };
    },
    async sidesOf(sync: LoadedSync) {
      const definition = await syncs.definitionOf(sync.id, sync.version);
      const side = async (name: 'a' | 'b'): Promise<BulkSide> => {
        const recordSide = await records.side(definition[name]);
        const codec = sideCodec(definition, name, recordSide.updatedAtField);
        if (mappingFrom(definition, name) !== undefined)
          return { name, records: recordSide, codec };
        // A side the sync does not read: a record created there is linked by its key and
        // updated-at value alone (its base is null), so only those are asked back.
        const fields = [recordSide.keyField];
        if (recordSide.updatedAtField !== undefined) fields.push(recordSide.updatedAtField);
        const createMany: BulkRecords['createMany'] = (created) =>
          recordSide.createMany(created, { fields });
        return { name, records: { ...recordSide, createMany }, codec };
      };
      return { a: await side('a'), b: await side('b') };
    },
  };
}
