import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { WaitKind } from '../db/tables/review-tables.js';
import { runStates } from '../runs/run-view.js';
import { registerRolloutGauges } from './rollout-gauges.js';
import { registerSyncCounters, type SyncCounters } from './sync-counters.js';
import { registerSyncDriftGauges } from './sync-drift-gauges.js';

/** Junction's Prometheus metrics, in a registry of its own (several Junctions share a process). */
export interface JunctionMetrics {
  readonly registry: Registry;
  /** Events stored as new (not duplicates) for an integration. */
  eventsAccepted(integrationId: string, count: number): void;
  /** One action call of a step: its connector, duration and whether it succeeded. */
  stepFinished(connector: string, seconds: number, ok: boolean): void;
  /** Rows the retention job of this process deleted, by table. */
  retentionDeleted(counts: Readonly<Record<string, number>>): void;
  /** Counters of the sync engine (changes, writes, echoes suppressed, conflicts, deletes). */
  readonly sync: SyncCounters;
  /** The Prometheus text exposition (runs by state and queue depth are read at this moment). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

interface DatabaseSnapshot {
  /** Counts by state; finished states only when they were read. */
  readonly runs: ReadonlyMap<string, number>;
  readonly queueDepth: number;
  /** Unsettled waits of parked runs, by kind. */
  readonly waits: ReadonlyMap<string, number>;
}

const waitKinds: readonly WaitKind[] = ['callback', 'poll', 'review', 'detached'];

const finishedStates = ['succeeded', 'dead', 'cancelled'];

/**
 * Creates the metrics of one Junction: `junction_events_accepted_total`, `junction_runs`,
 * `junction_step_duration_seconds`, `junction_queue_depth`, `junction_waits` (by kind),
 * `junction_detached_calls_in_flight`, the rollout gauges (`registerRolloutGauges`), the
 * drift of syncs' latest reconciliations (`registerSyncDriftGauges`), and
 * prom-client's default process metrics. The database
 * gauges share one query per scrape (concurrent scrapes share it too).
 * Unfinished runs are counted at every scrape through the partial index of unfinished runs (cost
 * follows the backlog); finished ones (which grow without bound) at most every
 * `finishedCountsMaxAgeMs` (15 s by default), and the last counts are shown in between.
 */
export function createMetrics(options: {
  pool: pg.Pool;
  finishedCountsMaxAgeMs?: number;
  /** Slow calls this process carries on after their runs parked. */
  detachedCalls?: () => number;
}): JunctionMetrics {
  const finishedMaxAgeMs = options.finishedCountsMaxAgeMs ?? 15_000;
  let finished: { counts: Map<string, number>; at: number } | undefined;
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

  const retention = new Counter({
    name: 'junction_retention_deleted_total',
    help: 'Rows deleted by the retention job run in this process (expired runs, their steps, events, waits and review items), by table.',
    labelNames: ['table'] as const,
    registers: [registry],
  });

  let inFlight: Promise<DatabaseSnapshot> | undefined;
  const snapshot = () => {
    inFlight ??= (async () => {
      const withFinished = !finished || Date.now() - finished.at >= finishedMaxAgeMs;
      const read = await readSnapshot(options.pool, withFinished);
      if (withFinished) {
        const counts = new Map(finishedStates.map((s) => [s, read.runs.get(s) ?? 0]));
        finished = { counts, at: Date.now() };
      }
      return { ...read, runs: new Map([...read.runs, ...(finished?.counts ?? [])]) };
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  new Gauge({
    name: 'junction_runs',
    help: 'Runs by state (all integrations); succeeded, dead and cancelled refreshed at most every 15 s.',
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

  new Gauge({
    name: 'junction_waits',
    help: 'Parked runs by what they wait for (callback, poll, review, detached: a slow call still going on).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const { waits } = await snapshot();
      for (const kind of waitKinds) this.set({ kind }, waits.get(kind) ?? 0);
    },
  });
  new Gauge({
    name: 'junction_detached_calls_in_flight',
    help: 'Slow calls this process carries on after their runs parked, freeing their workers (JUNCTION_DETACHED_CALLS_MAX at most).',
    registers: [registry],
    collect() {
      this.set(options.detachedCalls?.() ?? 0);
    },
  });

  registerRolloutGauges(registry, options.pool);
  const sync = registerSyncCounters(registry);
  registerSyncDriftGauges(registry, options.pool);

  return {
    registry,
    sync,
    contentType: registry.contentType,
    eventsAccepted(integrationId, count) {
      if (count > 0) accepted.inc({ integration: integrationId }, count);
    },
    retentionDeleted(counts) {
      for (const [table, n] of Object.entries(counts)) if (n > 0) retention.inc({ table }, n);
    },
    stepFinished(connector, seconds, ok) {
      steps.observe({ connector, outcome: ok ? 'ok' : 'error' }, seconds);
    },
    scrape: () => registry.metrics(),
  };
}

/**
 * One round trip: runs by state (finished states only when asked), and graphile-worker 0.17's
 * available jobs that are due (its partial index on available jobs).
 */
async function readSnapshot(pool: pg.Pool, withFinished: boolean): Promise<DatabaseSnapshot> {
  const { rows } = await pool.query<{ state: string | null; n: string }>(
    `select state, count(*) as n from runs
     where state in ('pending', 'queued', 'running', 'waiting', 'failed', 'unknown') group by state
     union all
     select state, count(*) from runs where $1::boolean and state = any($2::text[]) group by state
     union all
     select null, count(*) from graphile_worker._private_jobs where is_available and run_at <= now()
     union all
     select 'wait:' || kind, count(*) from run_waits where state = 'waiting' group by kind`,
    [withFinished, finishedStates],
  );
  const runs = new Map<string, number>();
  const waits = new Map<string, number>();
  let queueDepth = 0;
  for (const row of rows) {
    if (row.state === null) queueDepth = Number(row.n);
    else if (row.state.startsWith('wait:')) waits.set(row.state.slice(5), Number(row.n));
    else runs.set(row.state, Number(row.n));
  }
  return { runs, queueDepth, waits };
}
