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
import { measureHandWritten, measureNoopJobs } from './support/graphile-runs.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import { createClient, percentile, round } from './support/load-generator.js';

const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 16);
const NOOP_JOBS = 20_000;
const HAND_EVENTS = 4_000;
const JUNCTION_EVENTS = Number(process.env.BENCH_E2E_EVENTS ?? 3_000);
const LIGHT_RATE = 20;
const LIGHT_SECONDS = 8;

/**
 * End to end, against PostgreSQL on loopback: events per second from webhook to committed target
 * row (an `upsert-row` into a table of another database, one mapping step, its audit entry) with
 * Junction (role all, one process, worker concurrency 16), next to, in the same run: (1) raw
 * graphile-worker with no-op jobs (defaults, and a local queue; batched completion), (2) a
 * hand-written graphile-worker task doing the same database work without Junction's layers, and
 * (2b) the same opening a connection per write as the postgres plugin does. Junction runs twice:
 * through the postgres plugin as shipped, and through a pooled variant of its upsert (what the
 * engine's own layers cost). For each: drain rate, p50/p99 from the 202 to the target row's
 * commit at 20 events/s, statements per run and the share of run time in audit inserts (and in
 * every statement); the Junction process's peak RSS at the end. BENCH_PROFILE=1 adds a CPU
 * profile of each drain. About 110 s.
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
    const hand = await measureHandWritten(
      handUrl,
      handTargetUrl,
      { concurrency: CONCURRENCY, target: { kind: 'pool' } },
      HAND_EVENTS,
      'h',
    );
    const handPerWrite = await measureHandWritten(
      handUrl,
      handTargetUrl,
      { concurrency: CONCURRENCY, target: { kind: 'connection-per-write' } },
      HAND_EVENTS / 2,
      'hc',
    );

    const junctionUrl = await postgres.createDatabase('e2e', { migrated: true });
    const targetUrl = await postgres.createDatabase('e2e_target');
    await execute(targetUrl, targetTableSql);
    const junction = await measureJunction(junctionUrl, targetUrl);

    const ratio = junction.plugin.drain.perSecond / hand.perSecond;
    const layersRatio = junction.pooled.drain.perSecond / hand.perSecond;
    console.log(`\nend to end: worker concurrency ${CONCURRENCY} (${postgres.server})`);
    console.table([
      { what: '(1) graphile-worker no-op jobs, defaults', ...noopDefault },
      { what: `(1) no-op, local queue ${2 * CONCURRENCY}`, ...noopFast },
      { what: '(2) hand-written task, pooled target', ...hand },
      { what: '(2b) hand-written, connection per write', ...handPerWrite },
      { what: 'Junction + postgres plugin: drain', ...junction.plugin.drain },
      { what: 'Junction + postgres plugin: burst', ...junction.plugin.burst },
      { what: 'Junction + pooled upsert: drain', ...junction.pooled.drain },
      { what: 'Junction + pooled upsert: burst', ...junction.pooled.burst },
    ]);
    return {
      server: postgres.server,
      workerConcurrency: CONCURRENCY,
      noopJobsDefaults: noopDefault,
      noopJobsLocalQueue: { ...noopFast, localQueue: 2 * CONCURRENCY },
      handWritten: hand,
      handWrittenConnectionPerWrite: handPerWrite,
      junction,
      ratioJunctionToHandWritten: round(ratio, 2),
      ratioJunctionPooledToHandWritten: round(layersRatio, 2),
      ratioJunctionToHandWrittenConnectionPerWrite: round(
        junction.plugin.drain.perSecond / handPerWrite.perSecond,
        2,
      ),
      goal: '>= 0.8 of (2); p50 < 50 ms at 20 events/s; peak RSS < 300 MB',
      goalMet: ratio >= 0.8 && junction.plugin.lightLoad.p50Ms < 50 && junction.peakRssMb < 300,
    };
  } finally {
    await postgres.close();
  }
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

/**
 * One Junction process (role all) and, for each target connector (the postgres plugin, then the
 * bench's pooled variant), an integration: a burst of signed webhooks over 50 connections drained
 * into the target table, then LIGHT_RATE events/s, each timed from its 202 to the NOTIFY its
 * target row's insert sends on commit. Peak RSS is read at the end.
 */
async function measureJunction(databaseUrl: string, targetUrl: string) {
  const junction = await startBenchJunction(databaseUrl, {
    JUNCTION_ROLE: 'all',
    JUNCTION_WORKER_CONCURRENCY: String(CONCURRENCY),
    BENCH_TIME_QUERIES: '1',
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
  const context = { junction, target, client, databaseUrl, targetUrl };
  try {
    const plugin = await measureVariant(context, 'postgres', JUNCTION_EVENTS);
    const pooled = await measureVariant(context, 'bench-postgres-pooled', 2 * JUNCTION_EVENTS);
    return { plugin, pooled, peakRssMb: await junction.child.peakRssMb() };
  } finally {
    client.close();
    await target.end();
    await junction.stop();
  }
}

async function measureVariant(
  context: {
    junction: BenchJunction;
    target: pg.Client;
    client: ReturnType<typeof createClient>;
    databaseUrl: string;
    targetUrl: string;
  },
  connector: TargetConnector,
  events: number,
) {
  const { junction, target, client } = context;
  const { hookPath, integrationId } = await createBenchIntegration(
    junction.url,
    context.targetUrl,
    connector,
  );
  const prefix = connector === 'postgres' ? 'p' : 'q';
  const before = await statementsOf(junction);

  // Burst: every event sent as fast as 50 connections allow, then drained by the workers.
  const burstStarted = Date.now();
  let next = 0;
  const refused: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < events) {
        const answer = await client.send(signedDelivery(hookPath, `${prefix}${next++}`));
        if (answer.status !== 202) refused[answer.status] = (refused[answer.status] ?? 0) + 1;
      }
    }),
  );
  const ingressEnded = Date.now();
  const profileDir =
    process.env.BENCH_PROFILE === '1'
      ? await mkdtemp(path.join(os.tmpdir(), 'junction-bench-prof-'))
      : undefined;
  if (profileDir) await junction.child.ask('profile-start');
  const deadline = Date.now() + 120_000;
  let written = 0;
  while (written < events && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { rows } = await target.query<{ n: number }>(
      'select count(*)::int as n from bench_customers where id like $1',
      [`${prefix}%`],
    );
    written = rows[0]?.n ?? 0;
  }
  const { rows } = await target.query<{ last: Date; after: number }>(
    `select max(written_at) as last, count(*) filter (where written_at > $2)::int as after
     from bench_customers where id like $1`,
    [`${prefix}%`, new Date(ingressEnded)],
  );
  const lastMs = (rows[0]?.last ?? new Date()).getTime();
  const after = rows[0]?.after ?? 0;
  let profile: unknown;
  if (profileDir) {
    await junction.child.ask('profile-stop', { dir: profileDir });
    profile = await summariseCpuProfile(profileDir);
    await rm(profileDir, { recursive: true, force: true });
  }
  const statements = diffStatements(before, await statementsOf(junction));
  const [runStats] = await execute<{ succeeded: number; runs: number; run_ms: number }>(
    context.databaseUrl,
    `select count(*) filter (where state = 'succeeded')::int as succeeded, count(*)::int as runs,
            coalesce(sum(extract(epoch from finished_at - started_at) * 1000), 0)::float8 as run_ms
     from runs where integration_id = '${integrationId}'`,
  );
  if (!runStats) throw new Error('no run statistics');
  const audit = statements.find((e) => e.statement.startsWith('insert into "audit_entries"'));
  const lightLoad = await measureLightLoad(hookPath, client, target, `light${prefix}`);
  return {
    eventsSent: events,
    refused,
    rowsWritten: written,
    runsSucceeded: runStats.succeeded,
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
    meanRunMs: round(runStats.run_ms / runStats.runs, 1),
    auditInsertShareOfRunTime: `${(((audit?.ms ?? 0) / runStats.run_ms) * 100).toFixed(1)}%`,
    meanAuditInsertMs: round((audit?.ms ?? 0) / (audit?.count ?? 1), 2),
    statementsPerRun: round(statements.reduce((sum, e) => sum + e.count, 0) / runStats.runs, 1),
    // Every statement the process sent during burst and drain (ingress, runs, the connector's),
    // by total time, with its share of the summed run time.
    topStatements: statements.slice(0, 12).map((e) => ({
      statement: e.statement,
      perRun: round(e.count / runStats.runs, 2),
      meanMs: round(e.ms / e.count, 2),
      shareOfRunTime: `${((e.ms / runStats.run_ms) * 100).toFixed(1)}%`,
    })),
    lightLoad,
    ...(profile ? { cpuProfileOfDrain: profile } : {}),
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
