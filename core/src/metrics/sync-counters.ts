import { Counter, type Registry } from 'prom-client';

/** What the sync engine of this process counts (`/metrics`). */
export interface SyncCounters {
  /** A record of `side` that changed in what the sync sends from it. */
  changeSeen(syncId: string, side: string): void;
  /** A write Junction made to `side` (`create`, `update`, `delete`, `archive`). */
  write(syncId: string, side: string, op: string): void;
  /** A record Junction wrote that came back as a change and was recognised (not sent again). */
  echoSuppressed(syncId: string, side: string): void;
  /** Both sides changed: resolved by `policy`, or parked. */
  conflict(syncId: string, policy: string): void;
  /** A record gone from one side, handled by the delete `policy`. */
  deleteHandled(syncId: string, policy: string): void;
}

/** Does nothing: syncs run without metrics (embedding, tests). */
export const noSyncCounters: SyncCounters = {
  changeSeen() {},
  write() {},
  echoSuppressed() {},
  conflict() {},
  deleteHandled() {},
};

/**
 * `junction_sync_changes_total`, `junction_sync_writes_total`,
 * `junction_sync_echoes_suppressed_total`, `junction_sync_conflicts_total`,
 * `junction_sync_deletes_total`, each by sync.
 */
export function registerSyncCounters(registry: Registry): SyncCounters {
  const counter = (name: string, help: string, labels: string[]) =>
    new Counter({ name, help, labelNames: ['sync', ...labels], registers: [registry] });
  const changes = counter('junction_sync_changes_total', 'Changed records seen, by side.', [
    'side',
  ]);
  const writes = counter('junction_sync_writes_total', 'Writes made to a side, by operation.', [
    'side',
    'op',
  ]);
  const echoes = counter(
    'junction_sync_echoes_suppressed_total',
    "Junction's own writes recognised when they came back as changes.",
    ['side'],
  );
  const conflicts = counter(
    'junction_sync_conflicts_total',
    'Records changed on both sides, by the policy that took them.',
    ['policy'],
  );
  const deletes = counter(
    'junction_sync_deletes_total',
    'Records gone from one side, by the delete policy applied.',
    ['policy'],
  );
  return {
    changeSeen: (sync, side) => changes.inc({ sync, side }),
    write: (sync, side, op) => writes.inc({ sync, side, op }),
    echoSuppressed: (sync, side) => echoes.inc({ sync, side }),
    conflict: (sync, policy) => conflicts.inc({ sync, policy }),
    deleteHandled: (sync, policy) => deletes.inc({ sync, policy }),
  };
}
