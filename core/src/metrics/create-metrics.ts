import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { runStates } from '../runs/run-view.js';

/** Junction's Prometheus metrics, in a registry of its own (several Junctions share a process). */
export interface JunctionMetrics {
  readonly registry: Registry;
  /** Events stored as new (not duplicates) for an integration. */
  eventsAccepted(integrationId: string, count: number): void;
  /** One action call of a step: its connector, duration and whether it succeeded. */
  stepFinished(connector: string, seconds: number, ok: boolean): void;
  /** The Prometheus text exposition (runs by state and queue depth are read at this moment). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

interface DatabaseSnapshot {
  readonly runs: ReadonlyMap<string, number>;
  readonly queueDepth: number;
}

/**
 * Creates the metrics of one Junction: `junction_events_accepted_total`, `junction_runs`,
 * `junction_step_duration_seconds`, `junction_queue_depth`, and prom-client's default process
 * metrics. The two database gauges share one query per scrape (concurrent scrapes share it too).
 */
export function createMetrics(options: { pool: pg.Pool }): JunctionMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const accepted = new Counter({
    name: 'junction_events_accepted_total',
    help: 'Events accepted and stored as new (webhook deliveries; duplicates are not counted).',
    labelNames: ['integration'] as const,
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'junction_step_duration_seconds',
    help: "Duration of a step's action call, by connector and outcome (ok or error).",
    labelNames: ['connector', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });

  let inFlight: Promise<DatabaseSnapshot> | undefined;
  const snapshot = () => {
    inFlight ??= readSnapshot(options.pool).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  new Gauge({
    name: 'junction_runs',
    help: 'Runs by state (all integrations), counted when scraped.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const { runs } = await snapshot();
      for (const state of runStates) this.set({ state }, runs.get(state) ?? 0);
    },
  });
  new Gauge({
    name: 'junction_queue_depth',
    help: 'graphile-worker jobs ready to run now (not locked by a worker, run_at reached).',
    registers: [registry],
    async collect() {
      this.set((await snapshot()).queueDepth);
    },
  });

  return {
    registry,
    contentType: registry.contentType,
    eventsAccepted(integrationId, count) {
      if (count > 0) accepted.inc({ integration: integrationId }, count);
    },
    stepFinished(connector, seconds, ok) {
      steps.observe({ connector, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    scrape: () => registry.metrics(),
  };
}

/** One round trip: runs by state, and graphile-worker 0.17's available jobs that are due. */
async function readSnapshot(pool: pg.Pool): Promise<DatabaseSnapshot> {
  const { rows } = await pool.query<{ state: string | null; n: string }>(
    `select state, count(*) as n from runs group by state
     union all
     select null, count(*) from graphile_worker._private_jobs where is_available and run_at <= now()`,
  );
  const runs = new Map<string, number>();
  let queueDepth = 0;
  for (const row of rows) {
    if (row.state === null) queueDepth = Number(row.n);
    else runs.set(row.state, Number(row.n));
  }
  return { runs, queueDepth };
}
