import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  createBenchIntegration,
  signedDelivery,
  targetTableSql,
} from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { summariseCpuProfile } from './support/cpu-profile.js';
import { cpuDuring, microsPer } from './support/cpu-time.js';
import { type DrainResult, measureHandWritten, measureNoopJobs } from './support/graphile-runs.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import { createClient, percentile, round } from './support/load-generator.js';

const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 16);
const NOOP_JOBS = 20_000;
const HAND_EVENTS = 4_000;
const JUNCTION_EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 3_000);
const LIGHT_RATE = 20;
const LIGHT_SECONDS = 8;

/** Rounds in which the hand-written task and Junction's two variants take turns. */
const ROUNDS = Number(process.env.BENCH_E2E_ROUNDS ?? 3);

/**
 * End to end, against PostgreSQL on loopback: events per second from webhook to committed target
 * row (an `upsert-row` into a table of another database, one mapping step, its audit entry) with
 * Junction (role all, one process, worker concurrency 16), next to, in the same run: (1) raw
 * graphile-worker with no-op jobs (defaults, and a local queue; batched completion), (2) a
 * hand-written graphile-worker task doing the same database work without Junction's layers, and
 * (2b) the same opening a connection per write as the postgres plugin did. Junction runs through
 * the postgres plugin as shipped (its connection's pool sized to the worker concurrency, as its
 * README advises), and through a pooled variant of its upsert (what the engine's own layers
 * cost).
 *
 * (2) and Junction's two variants take turns: ROUNDS rounds (BENCH_E2E_ROUNDS, 3), the order
 * rotating every round, so that a machine whose speed drifts (shared cores) weighs on all alike;
 * rates are of the merged rounds, and each round's Junction/(2) ratio is listed too. For each
 * Junction variant: drain rate, p50/p99 from the 202 to the target row's commit at 20 events/s,
 * statements per run and the share of run time in audit inserts (and in every statement); the
 * Junction process's peak RSS at the end. BENCH_PROFILE=1 adds a CPU profile of each variant's
 * last drain; BENCH_PG_STATEMENTS=1 the statements PostgreSQL ran for Junction and for (2), by
 * total time (pg_stat_statements); BENCH_E2E_LOCAL_QUEUE sets Junction's local queue (prefetch)
 * size (default: worker concurrency + 1; 1 turns it off). About 100 s.
 */
export async function runEndToEndBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const noopUrl = await postgres.createDatabase('noop', { migrated: true });
    const noopDefault = await measureNoopJobs(noopUrl, { concurrency: CONCURRENCY }, NOOP_JOBS);
    const noopFast = await measureNoopJobs(
      noopUrl,
      { concurrency: CONCURRENCY, localQueue: 2 * CONCURRENCY },
      NOOP_JOBS,
    );

    const handUrl = await postgres.createDatabase('hand', { migrated: true });
    const handTargetUrl = await postgres.createDatabase('hand_target');
    await execute(handTargetUrl, targetTableSql);
    const {
      auditMs: _a,
      taskMs: _t,
      ...handPerWrite
    } = await measureHandWritten(
      handUrl,
      handTargetUrl,
      { concurrency: CONCURRENCY, target: { kind: 'connection-per-write' } },
      HAND_EVENTS / 2,
      'hc',
    );

    const junctionUrl = await postgres.createDatabase('e2e', { migrated: true });
    const targetUrl = await postgres.createDatabase('e2e_target');
    await execute(targetUrl, targetTableSql);
    const junction = await openJunction(junctionUrl, targetUrl);
    const handRounds: DrainResult[] = [];
    let handAudit = { ms: 0, taskMs: 0 };
    const handCpu = { process: 0, postgres: 0 };
    let measuredJunction: Awaited<ReturnType<typeof finishVariant>>[];
    let peakRssMb: number;
    try {
      const variants = [
        await prepareVariant(junction, 'postgres', JUNCTION_EVENTS),
        await prepareVariant(junction, 'bench-postgres-pooled', 2 * JUNCTION_EVENTS),
      ];
      const parts: (() => Promise<void>)[] = [
        async () => {
          // The task runs in this process: its CPU time is this process's.
          const { result: hand, cpu } = await cpuDuring(() =>
            measureHandWritten(
              handUrl,
              handTargetUrl,
              { concurrency: CONCURRENCY, target: { kind: 'pool' } },
              HAND_EVENTS,
              `h${handRounds.length}_`,
            ),
          );
          handRounds.push({ jobs: hand.jobs, seconds: hand.seconds, perSecond: hand.perSecond });
          handCpu.process += cpu.self;
          handCpu.postgres += cpu.postgres;
          handAudit = { ms: handAudit.ms + hand.auditMs, taskMs: handAudit.taskMs + hand.taskMs };
        },
        ...variants.map((variant) => () => burstAndDrain(junction, variant, ROUNDS)),
      ];
      for (let round = 0; round < ROUNDS; round++) {
        for (let i = 0; i < parts.length; i++) await parts[(i + round) % parts.length]?.();
      }
      measuredJunction = [];
      for (const variant of variants) measuredJunction.push(await finishVariant(junction, variant));
      peakRssMb = await junction.process.child.peakRssMb();
    } finally {
      await junction.close();
    }
    const junctionStatements = await postgres.statements(junctionUrl);
    const handStatements = await postgres.statements(handUrl);
    const [plugin, pooled] = measuredJunction as [
      Awaited<ReturnType<typeof finishVariant>>,
      Awaited<ReturnType<typeof finishVariant>>,
    ];
    const handDrain = mergeDrains(handRounds);
    const hand = {
      ...handDrain,
      auditShare: `${((handAudit.ms / Math.max(1e-9, handAudit.taskMs)) * 100).toFixed(1)}%`,
      meanAuditMs: round(handAudit.ms / Math.max(1, handDrain.jobs), 2),
      cpuUsPerJob: cpuPerJob(handCpu, handDrain.jobs),
    };
    const ratio = plugin.drain.perSecond / hand.perSecond;
    const layersRatio = pooled.drain.perSecond / hand.perSecond;
    const byRound = (variant: typeof plugin) =>
      variant.drainsByRound.map((d, i) =>
        round(d.perSecond / (handRounds[i] as DrainResult).perSecond, 2),
      );
    console.log(
      `\nend to end: worker concurrency ${CONCURRENCY}, ${ROUNDS} rounds (${postgres.server})`,
    );
    console.table([
      { what: '(1) graphile-worker no-op jobs, defaults', ...noopDefault },
      { what: `(1) no-op, local queue ${2 * CONCURRENCY}`, ...noopFast },
      { what: '(2) hand-written task, pooled target', ...hand },
      { what: '(2b) hand-written, connection per write', ...handPerWrite },
      { what: 'Junction + postgres plugin: drain', ...plugin.drain },
      { what: 'Junction + postgres plugin: burst', ...plugin.burst },
      { what: 'Junction + pooled upsert: drain', ...pooled.drain },
      { what: 'Junction + pooled upsert: burst', ...pooled.burst },
    ]);
    return {
      server: postgres.server,
      workerConcurrency: CONCURRENCY,
      rounds: ROUNDS,
      noopJobsDefaults: noopDefault,
      noopJobsLocalQueue: { ...noopFast, localQueue: 2 * CONCURRENCY },
      handWritten: hand,
      handWrittenConnectionPerWrite: handPerWrite,
      junction: { plugin, pooled, peakRssMb },
      ratioJunctionToHandWritten: round(ratio, 2),
      ratioJunctionToHandWrittenByRound: byRound(plugin),
      ratioJunctionPooledToHandWritten: round(layersRatio, 2),
      ratioJunctionPooledToHandWrittenByRound: byRound(pooled),
      ratioJunctionToHandWrittenConnectionPerWrite: round(
        plugin.drain.perSecond / handPerWrite.perSecond,
        2,
      ),
      goal: '>= 0.8 of (2); p50 < 50 ms at 20 events/s; peak RSS < 300 MB',
      goalMet: ratio >= 0.8 && plugin.lightLoad.p50Ms < 50 && peakRssMb < 300,
      // BENCH_PG_STATEMENTS=1: what the server ran, by total time, over the whole bench.
      ...(junctionStatements && handStatements
        ? { postgresStatements: { junction: junctionStatements, handWritten: handStatements } }
        : {}),
    };
  } finally {
    await postgres.close();
  }
}

/**
 * CPU µs per job of the worker's process and of PostgreSQL (the target database's work included;
 * while a drain runs, nothing else runs on the server).
 */
function cpuPerJob(cpu: { process: number; postgres: number }, jobs: number) {
  return {
    process: microsPer(cpu.process, jobs),
    postgres: microsPer(cpu.postgres, jobs),
  };
}

/** Drains as one: jobs and seconds summed. */
function mergeDrains(drains: readonly DrainResult[]): DrainResult {
  const jobs = drains.reduce((n, d) => n + d.jobs, 0);
  const seconds = drains.reduce((n, d) => n + d.seconds, 0);
  return { jobs, seconds: round(seconds, 2), perSecond: Math.round(jobs / seconds) };
}

/** One statement on its own connection. */
async function execute<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text)).rows;
  } finally {
    await client.end();
  }
}

type TargetConnector = 'postgres' | 'bench-postgres-pooled';

/** The Junction process of the bench, the target database (listening) and an HTTP client. */
interface JunctionUnderTest {
  readonly process: BenchJunction;
  readonly target: pg.Client;
  readonly client: ReturnType<typeof createClient>;
  readonly databaseUrl: string;
  readonly targetUrl: string;
  close(): Promise<void>;
}

/**
 * One Junction process (role all) and the target database, whose row inserts for the light load
 * send a NOTIFY on commit (see measureLightLoad).
 */
async function openJunction(databaseUrl: string, targetUrl: string): Promise<JunctionUnderTest> {
  const junction = await startBenchJunction(databaseUrl, {
    JUNCTION_ROLE: 'all',
    JUNCTION_WORKER_CONCURRENCY: String(CONCURRENCY),
    BENCH_TIME_QUERIES: '1',
    // BENCH_E2E_LOCAL_QUEUE: Junction's local queue size (prefetch); 1 turns it off.
    ...(process.env.BENCH_E2E_LOCAL_QUEUE
      ? { JUNCTION_WORKER_LOCAL_QUEUE_SIZE: process.env.BENCH_E2E_LOCAL_QUEUE }
      : {}),
  });
  const target = new pg.Client({ connectionString: targetUrl });
  await target.connect();
  await target.query(`
    create function bench_notify() returns trigger language plpgsql as
      $$ begin if new.id like 'light%' then perform pg_notify('bench_written', new.id); end if; return new; end $$;
    create trigger bench_written after insert on bench_customers
      for each row execute function bench_notify();
    listen bench_written`);
  const client = createClient(junction.url, 50);
  return {
    process: junction,
    target,
    client,
    databaseUrl,
    targetUrl,
    async close() {
      client.close();
      await target.end();
      await junction.stop();
    },
  };
}

/** A Junction variant (an integration writing through one target connector) and its rounds. */
interface Variant {
  readonly connector: TargetConnector;
  readonly hookPath: string;
  readonly integrationId: string;
  readonly prefix: string;
  readonly events: number;
  readonly rounds: {
    refused: Record<string, number>;
    written: number;
    ingressSeconds: number;
    burst: DrainResult;
    drain: DrainResult;
  }[];
  statements: ReturnType<typeof diffStatements>;
  /** CPU seconds of the Junction process and of PostgreSQL during the drains. */
  readonly cpu: { process: number; postgres: number };
  profile?: unknown;
}

async function prepareVariant(
  junction: JunctionUnderTest,
  connector: TargetConnector,
  events: number,
): Promise<Variant> {
  const { hookPath, integrationId } = await createBenchIntegration(
    junction.process.url,
    junction.targetUrl,
    connector,
    CONCURRENCY,
  );
  const prefix = connector === 'postgres' ? 'p' : 'q';
  return {
    connector,
    hookPath,
    integrationId,
    prefix,
    events,
    rounds: [],
    statements: [],
    cpu: { process: 0, postgres: 0 },
  };
}

/**
 * One round of a variant: a burst of signed webhooks over 50 connections (every event sent as
 * fast as they allow), drained by the workers into the target table. The last round is profiled
 * when BENCH_PROFILE=1 (BENCH_PROFILE_KEEP=1 keeps its .cpuprofile file).
 */
async function burstAndDrain(
  junction: JunctionUnderTest,
  variant: Variant,
  rounds: number,
): Promise<void> {
  const { process: child, target, client } = junction;
  const prefix = `${variant.prefix}${variant.rounds.length}_`;
  const events = variant.events;
  const before = await statementsOf(child);
  const burstStarted = Date.now();
  let next = 0;
  const refused: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < events) {
        const answer = await client.send(signedDelivery(variant.hookPath, `${prefix}${next++}`));
        if (answer.status !== 202) refused[answer.status] = (refused[answer.status] ?? 0) + 1;
      }
    }),
  );
  const ingressEnded = Date.now();
  const profileDir =
    process.env.BENCH_PROFILE === '1' && variant.rounds.length === rounds - 1
      ? await mkdtemp(path.join(os.tmpdir(), 'junction-bench-prof-'))
      : undefined;
  if (profileDir) await child.child.ask('profile-start');
  const deadline = Date.now() + 120_000;
  const { result: written, cpu } = await cpuDuring(async () => {
    let n = 0;
    while (n < events && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await target.query<{ n: number }>(
        'select count(*)::int as n from bench_customers where id like $1',
        [`${prefix}%`],
      );
      n = rows[0]?.n ?? 0;
    }
    return n;
  }, child.child.pid);
  variant.cpu.process += cpu.server;
  variant.cpu.postgres += cpu.postgres;
  const { rows } = await target.query<{ last: Date; after: number }>(
    `select max(written_at) as last, count(*) filter (where written_at > $2)::int as after
     from bench_customers where id like $1`,
    [`${prefix}%`, new Date(ingressEnded)],
  );
  const lastMs = (rows[0]?.last ?? new Date()).getTime();
  const after = rows[0]?.after ?? 0;
  if (profileDir) {
    await child.child.ask('profile-stop', { dir: profileDir });
    variant.profile = await summariseCpuProfile(profileDir);
    // BENCH_PROFILE_KEEP=1 leaves the .cpuprofile for a flame view (its folder is printed).
    if (process.env.BENCH_PROFILE_KEEP === '1')
      console.log(`${variant.connector} profile: ${profileDir}`);
    else await rm(profileDir, { recursive: true, force: true });
  }
  variant.statements = addStatements(
    variant.statements,
    diffStatements(before, await statementsOf(child)),
  );
  variant.rounds.push({
    refused,
    written,
    ingressSeconds: round((ingressEnded - burstStarted) / 1000, 2),
    burst: {
      jobs: written,
      seconds: round((lastMs - burstStarted) / 1000, 2),
      perSecond: Math.round(written / ((lastMs - burstStarted) / 1000)),
    },
    drain: {
      jobs: after,
      seconds: round((lastMs - ingressEnded) / 1000, 2),
      perSecond: Math.round(after / ((lastMs - ingressEnded) / 1000)),
    },
  });
}

/** A variant's rounds merged, with its run statistics, statements and light-load latency. */
async function finishVariant(junction: JunctionUnderTest, variant: Variant) {
  const [runStats] = await execute<{ succeeded: number; runs: number; run_ms: number }>(
    junction.databaseUrl,
    `select count(*) filter (where state = 'succeeded')::int as succeeded, count(*)::int as runs,
            coalesce(sum(extract(epoch from finished_at - started_at) * 1000), 0)::float8 as run_ms
     from runs where integration_id = '${variant.integrationId}'`,
  );
  if (!runStats) throw new Error('no run statistics');
  const statements = variant.statements;
  const audit = statements.find((e) => e.statement.startsWith('insert into "audit_entries"'));
  const lightLoad = await measureLightLoad(
    variant.hookPath,
    junction.client,
    junction.target,
    `light${variant.prefix}`,
  );
  const refused: Record<string, number> = {};
  for (const r of variant.rounds)
    for (const [status, n] of Object.entries(r.refused))
      refused[status] = (refused[status] ?? 0) + n;
  return {
    eventsSent: variant.events * variant.rounds.length,
    refused,
    rowsWritten: variant.rounds.reduce((n, r) => n + r.written, 0),
    runsSucceeded: runStats.succeeded,
    ingressSeconds: round(
      variant.rounds.reduce((n, r) => n + r.ingressSeconds, 0),
      2,
    ),
    burst: mergeDrains(variant.rounds.map((r) => r.burst)),
    drain: mergeDrains(variant.rounds.map((r) => r.drain)),
    drainsByRound: variant.rounds.map((r) => r.drain),
    cpuUsPerJobOfDrain: cpuPerJob(
      variant.cpu,
      variant.rounds.reduce((n, r) => n + r.drain.jobs, 0),
    ),
    meanRunMs: round(runStats.run_ms / runStats.runs, 1),
    auditInsertShareOfRunTime: `${(((audit?.ms ?? 0) / runStats.run_ms) * 100).toFixed(1)}%`,
    meanAuditInsertMs: round((audit?.ms ?? 0) / (audit?.count ?? 1), 2),
    statementsPerRun: round(statements.reduce((sum, e) => sum + e.count, 0) / runStats.runs, 1),
    // Every statement the process sent during bursts and drains (ingress, runs, the
    // connector's), by total time, with its share of the summed run time.
    topStatements: statements.slice(0, 12).map((e) => ({
      statement: e.statement,
      perRun: round(e.count / runStats.runs, 2),
      meanMs: round(e.ms / e.count, 2),
      shareOfRunTime: `${((e.ms / runStats.run_ms) * 100).toFixed(1)}%`,
    })),
    lightLoad,
    ...(variant.profile ? { cpuProfileOfDrain: variant.profile } : {}),
  };
}

/** 20 events/s for 10 s (open loop): ms from each 202 to its target row's commit (NOTIFY). */
async function measureLightLoad(
  hookPath: string,
  client: ReturnType<typeof createClient>,
  target: pg.Client,
  prefix: string,
) {
  const committedAt = new Map<string, number>();
  const onNotification = (n: pg.Notification) =>
    committedAt.set(n.payload ?? '', performance.now());
  target.on('notification', onNotification);
  const acceptedAt = new Map<string, number>();
  const sentAt = new Map<string, number>();
  const count = LIGHT_RATE * LIGHT_SECONDS;
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / LIGHT_RATE;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
    const id = `${prefix}${i}`;
    sentAt.set(id, performance.now());
    sends.push(
      client.send(signedDelivery(hookPath, id)).then((answer) => {
        if (answer.status === 202) acceptedAt.set(id, performance.now());
      }),
    );
  }
  await Promise.all(sends);
  const deadline = performance.now() + 30_000;
  while (committedAt.size < acceptedAt.size && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  target.off('notification', onNotification);
  const fromAccepted: number[] = [];
  const fromSent: number[] = [];
  for (const [id, at] of acceptedAt) {
    const committed = committedAt.get(id);
    if (committed === undefined) continue;
    fromAccepted.push(committed - at);
    fromSent.push(committed - (sentAt.get(id) as number));
  }
  fromAccepted.sort((a, b) => a - b);
  fromSent.sort((a, b) => a - b);
  return {
    eventsPerSecond: LIGHT_RATE,
    events: count,
    accepted: acceptedAt.size,
    committed: fromAccepted.length,
    p50Ms: round(percentile(fromAccepted, 0.5), 1),
    p99Ms: round(percentile(fromAccepted, 0.99), 1),
    p50FromRequestSentMs: round(percentile(fromSent, 0.5), 1),
  };
}

type StatementTimes = Record<string, { count: number; ms: number }>;

async function statementsOf(junction: BenchJunction): Promise<StatementTimes> {
  return (await junction.child.ask('queries')).statements as StatementTimes;
}

/** Two lists of statement times added, by total time. */
function addStatements(
  a: ReturnType<typeof diffStatements>,
  b: ReturnType<typeof diffStatements>,
): ReturnType<typeof diffStatements> {
  const sum = new Map(a.map((e) => [e.statement, { ...e }]));
  for (const e of b) {
    const into = sum.get(e.statement);
    if (into) {
      into.count += e.count;
      into.ms += e.ms;
    } else sum.set(e.statement, { ...e });
  }
  return [...sum.values()].sort((x, y) => y.ms - x.ms);
}

/** Statements sent between two snapshots, by total time. */
function diffStatements(before: StatementTimes, after: StatementTimes) {
  return Object.entries(after)
    .map(([statement, { count, ms }]) => ({
      statement,
      count: count - (before[statement]?.count ?? 0),
      ms: ms - (before[statement]?.ms ?? 0),
    }))
    .filter((e) => e.count > 0)
    .sort((a, b) => b.ms - a.ms);
}
