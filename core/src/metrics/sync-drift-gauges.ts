import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

const kinds = ['only_a', 'only_b', 'differs', 'stale_link', 'unlinked'];

/**
 * `junction_sync_drift{sync,kind,state}`: the drift the latest finished reconciliation of each
 * sync found, by kind (only_a, only_b, differs, stale_link, unlinked) and state (open, repaired,
 * skipped, failed). One query per scrape.
 */
export function registerSyncDriftGauges(registry: Registry, pool: pg.Pool): void {
  new Gauge({
    name: 'junction_sync_drift',
    help: 'Differences between the two sides of a sync found by its latest reconciliation, by sync, kind (only_a, only_b, differs, stale_link, unlinked) and state (open, repaired, skipped, failed).',
    labelNames: ['sync', 'kind', 'state'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await pool.query<{
        sync: string;
        kind: string | null;
        state: string | null;
        n: string;
      }>(
        `select r.sync_id as sync, i.kind, i.state, count(*) as n
         from (select distinct on (sync_id) id, sync_id from sync_reconciliations
               where state = 'succeeded' order by sync_id, seq desc) r
         left join sync_drift_items i on i.reconciliation_id = r.id
         group by r.sync_id, i.kind, i.state`,
      );
      this.reset();
      // Every kind is shown open (0 when none) for each sync reconciled at least once.
      for (const sync of new Set(rows.map((r) => r.sync)))
        for (const kind of kinds) this.set({ sync, kind, state: 'open' }, 0);
      for (const r of rows)
        if (r.kind !== null && r.state !== null)
          this.set({ sync: r.sync, kind: r.kind, state: r.state }, Number(r.n));
    },
  });
}
