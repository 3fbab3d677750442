import type pg from 'pg';
import { Gauge, type Registry } from 'prom-client';

/**
 * `junction_shadow_writes{integration,outcome}` (outcome: pending, match, discrepancy,
 * unreadable) and `junction_rollout_discrepancies{integration,kind,state}` (state: open,
 * explained): what shadow runs would have written and how it compared with the targets. One
 * query per scrape for both.
 */
export function registerRolloutGauges(registry: Registry, pool: pg.Pool): void {
  type Row = { metric: string; integration: string; a: string; b: string | null; n: string };
  let inFlight: Promise<Row[]> | undefined;
  const read = () => {
    inFlight ??= pool
      .query<Row>(
        `select 'w' as metric, integration_id as integration, coalesce(outcome, 'pending') as a,
                null as b, count(*) as n
         from shadow_writes group by integration_id, coalesce(outcome, 'pending')
         union all
         select 'd', integration_id, kind,
                case when explained_at is null then 'open' else 'explained' end, count(*)
         from rollout_discrepancies
         group by integration_id, kind, explained_at is null`,
      )
      .then(({ rows }) => rows)
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  new Gauge({
    name: 'junction_shadow_writes',
    help: 'Writes shadow runs recorded instead of making them, by integration and comparison outcome (pending, match, discrepancy, unreadable).',
    labelNames: ['integration', 'outcome'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read())
        if (r.metric === 'w') this.set({ integration: r.integration, outcome: r.a }, Number(r.n));
    },
  });
  new Gauge({
    name: 'junction_rollout_discrepancies',
    help: 'Differences found between what shadow runs would have written and what the targets hold, by integration, kind (missing, extra, field) and state (open, explained).',
    labelNames: ['integration', 'kind', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await read())
        if (r.metric === 'd')
          this.set({ integration: r.integration, kind: r.a, state: r.b ?? 'open' }, Number(r.n));
    },
  });
}
