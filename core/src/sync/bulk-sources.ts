import type { BulkSide } from './bulk-side.js';
import type { RecordClient } from './record-client.js';
import { sideCodec } from './side-codec.js';
import type { LoadedSync, SyncBulkDeps } from './sync-bulk.js';
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
        return {
          name,
          records: recordSide,
          codec: sideCodec(definition, name, recordSide.updatedAtField),
        };
      };
      return { a: await side('a'), b: await side('b') };
    },
  };
}
