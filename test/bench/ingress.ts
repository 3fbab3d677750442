import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startBenchChild } from './support/bench-child.js';
import { createBenchIntegration, signedDelivery } from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { summariseCpuProfile } from './support/cpu-profile.js';
import { type CpuPerRequest, cpuDuring, cpuPerRequest, microsPer } from './support/cpu-time.js';
import { readIngressVariant } from './support/ingress-variant.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import {
  type LoadRequest,
  type LoadResult,
  round,
  runLoad,
  summariseLoad,
} from './support/load-generator.js';

const CONNECTIONS = 50;
/** Measured seconds of each endpoint in each round. */
const SECONDS = Number(process.env.BENCH_INGRESS_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_INGRESS_ROUNDS ?? 3);
const WARMUP_SECONDS = 1;
const FIRST_WARMUP_SECONDS = 4;

/** One endpoint under load: its server process and what it is sent. */
interface Endpoint {
  readonly name: string;
  readonly pid: number;
  readonly origin: string;
  readonly next: () => LoadRequest;
}

/** What the rounds of one endpoint measured, merged. */
interface Measured {
  readonly latencies: number[];
  seconds: number;
  sent: number;
  /** CPU seconds of the server, of PostgreSQL and of the load generator. */
  readonly cpu: { server: number; postgres: number; load: number };
  /** Idle share of the machine, times seconds measured. */
  idleSeconds: number;
  readonly unexpected: Record<string, number>;
  readonly perSecondByRound: number[];
}

/**
 * Webhook ingress, against PostgreSQL on loopback: accepted requests per second, latency, CPU
 * time per request of the server process, of PostgreSQL and of the load generator (from /proc, on
 * Linux), and the machine's idle share (a server leaving cores idle waits on a chain), with 50
 * keep-alive connections, for (a) a baseline Hono endpoint that inserts the body in one
 * autocommit statement, (a') the group-commit reference (a Hono endpoint storing a row and a
 * graphile-worker job per request, by batch, without Junction's layers) and (b) Junction's
 * `POST /hooks/{token}` (signature checked, event, run and graphile-worker job stored by group
 * commit before the 202). Each server runs in its own process; Junction with JUNCTION_ROLE=api,
 * so that only ingress is measured (no worker runs the queued jobs).
 *
 * The endpoints take turns: ROUNDS rounds (BENCH_INGRESS_ROUNDS, 3) of SECONDS each
 * (BENCH_INGRESS_SECONDS, 5), the order rotating every round, so that a machine whose speed
 * drifts (shared cores) weighs on all three alike; the ratios are of the merged rounds, and each
 * round's Junction/baseline ratio is listed too. BENCH_PROFILE=1 adds a profiled Junction run (a
 * CPU profile of the load window, through node:inspector) and reports where its CPU time goes;
 * BENCH_PG_STATEMENTS=1 the statements PostgreSQL ran for Junction (pg_stat_statements).
 *
 * BENCH_INGRESS_VARIANT=`{"env": {...}, "sql": "..."}` adds a second Junction as a fourth
 * contender, on a database of its own where `sql` has run after the migrations, its process with
 * `env` added: a change measured side by side with the unchanged Junction, round by round. Run it
 * once with `{}` (two identical Junctions) to see how far apart the same server lands here.
 * About 60 s (75 s profiled, 80 s with a variant).
 */
export async function runIngressBench(): Promise<Record<string, unknown>> {
  const variant = readIngressVariant();
  const postgres = await openBenchPostgres();
  try {
    const baselineUrl = await postgres.createDatabase('baseline', { migrated: true });
    const junctionUrl = await postgres.createDatabase('ingress', { migrated: true });
    const targetUrl = await postgres.createDatabase('ingress_target');

    const baseline = await startBenchChild('baseline-process.ts', { DATABASE_URL: baselineUrl });
    let junction: BenchJunction | undefined;
    let second: BenchJunction | undefined;
    const prefix = `j${Math.random().toString(36).slice(2, 8)}_`;
    let sentToJunction = 0;
    const measured = new Map<string, Measured>();
    let rss: { baseline: number; junction: number; variant?: number };
    let junctionMemory: Record<string, unknown> = {};
    try {
      junction = await startBenchJunction(junctionUrl, { JUNCTION_ROLE: 'api' });
      const { hookPath } = await createBenchIntegration(junction.url, targetUrl);
      let n = 0;
      const toBaseline = (route: string) => () => ({
        path: route,
        headers: { 'content-type': 'application/json' },
        body: signedDelivery('/', `b${n++}`).body,
      });
      const endpoints: Endpoint[] = [
        {
          name: 'baseline',
          pid: baseline.pid,
          origin: String(baseline.ready.url),
          next: toBaseline('/ingest'),
        },
        {
          name: 'reference',
          pid: baseline.pid,
          origin: String(baseline.ready.url),
          next: toBaseline('/ingest-batched'),
        },
        {
          name: 'junction',
          pid: junction.child.pid,
          origin: junction.url,
          next: () => signedDelivery(hookPath, `${prefix}${sentToJunction++}`),
        },
      ];
      if (variant) {
        const variantUrl = await postgres.createDatabase('ingress_variant', { migrated: true });
        if (variant.sql) await runSql(variantUrl, variant.sql);
        second = await startBenchJunction(variantUrl, { JUNCTION_ROLE: 'api', ...variant.env });
        const variantHook = (await createBenchIntegration(second.url, targetUrl)).hookPath;
        let sent = 0;
        endpoints.push({
          name: 'variant',
          pid: second.child.pid,
          origin: second.url,
          next: () => signedDelivery(variantHook, `v${sent++}`),
        });
      }
      for (let round = 0; round < ROUNDS; round++) {
        const order = endpoints.map(
          (_, i) => endpoints[(i + round) % endpoints.length] as Endpoint,
        );
        // The first round warms each server up for longer (its JIT), uncounted.
        for (const endpoint of order)
          await measure(endpoint, measured, round === 0 ? FIRST_WARMUP_SECONDS : WARMUP_SECONDS);
      }
      rss = {
        baseline: await baseline.peakRssMb(),
        junction: await junction.child.peakRssMb(),
        ...(second ? { variant: await second.child.peakRssMb() } : {}),
      };
      const { reply: _, ...memory } = await junction.child.ask('memory');
      junctionMemory = memory;
    } finally {
      await junction?.stop();
      await second?.stop();
      await baseline.stop();
    }
    const stored = await countStored(junctionUrl, prefix);
    const junctionStatements = await postgres.statements(junctionUrl);
    const result = (name: string) => merged(measured.get(name) as Measured);
    const [baselineResult, referenceResult, junctionResult] = [
      result('baseline'),
      result('reference'),
      result('junction'),
    ];

    let profile: unknown;
    if (process.env.BENCH_PROFILE === '1') profile = await profileJunction(junctionUrl, targetUrl);

    const ratio = junctionResult.perSecond / baselineResult.perSecond;
    const byRound = (name: string) => (measured.get(name) as Measured).perSecondByRound;
    const table = [
      { endpoint: 'baseline (1 insert, autocommit)', ...baselineResult, peakRssMb: rss.baseline },
      {
        endpoint: 'reference (group commit: row + job)',
        ...referenceResult,
        peakRssMb: rss.baseline,
      },
      { endpoint: 'Junction POST /hooks/{token}', ...junctionResult, peakRssMb: rss.junction },
      ...(variant
        ? [{ endpoint: 'variant Junction', ...result('variant'), peakRssMb: rss.variant }]
        : []),
    ];
    console.log(
      `\ningress: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each (${postgres.server})`,
    );
    console.table(
      table.map(({ unexpected, cpuUsPerRequest, perSecondByRound: _, ...row }) => ({
        ...row,
        cpuUsServer: cpuUsPerRequest.server,
        cpuUsPostgres: cpuUsPerRequest.postgres,
        cpuUsLoad: cpuUsPerRequest.loadGenerator,
        unexpected: JSON.stringify(unexpected),
      })),
    );
    return {
      server: postgres.server,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      secondsPerRound: SECONDS,
      junctionRole: 'api (no worker: ingress only)',
      baseline: { ...baselineResult, peakRssMb: rss.baseline },
      // The recommended design without Junction's layers: the ceiling of that design on
      // this machine, and so how much of the gap to the baseline is Junction's own.
      groupCommitReference: referenceResult,
      junction: { ...junctionResult, peakRssMb: rss.junction, memoryAtEndMb: junctionMemory },
      // Every 202 counted must have its event and run committed (and at least as many stored
      // as answered: warm-up and answers after the window are stored too).
      junctionEventsStored: stored,
      junctionRequestsSent: sentToJunction,
      rateRatioJunctionToBaseline: round(ratio, 2),
      rateRatioJunctionToBaselineByRound: byRound('junction').map((j, i) =>
        round(j / (byRound('baseline')[i] as number), 2),
      ),
      // The second Junction (BENCH_INGRESS_VARIANT): its figures and its rate against Junction's.
      ...(variant
        ? {
            variant: {
              ...variant,
              ...result('variant'),
              peakRssMb: rss.variant,
              rateRatioToJunction: round(result('variant').perSecond / junctionResult.perSecond, 2),
              rateRatioToJunctionByRound: byRound('variant').map((v, i) =>
                round(v / (byRound('junction')[i] as number), 2),
              ),
            },
          }
        : {}),
      rateRatioJunctionToReference: round(junctionResult.perSecond / referenceResult.perSecond, 2),
      rateRatioReferenceToBaseline: round(referenceResult.perSecond / baselineResult.perSecond, 2),
      goal: '>= 1.0x with p99 < 50 ms',
      goalMet: ratio >= 1 && junctionResult.p99Ms < 50,
      ...(profile ? { junctionCpuProfile: profile } : {}),
      // BENCH_PG_STATEMENTS=1: what the server ran for Junction, by total time.
      ...(junctionStatements ? { junctionPostgresStatements: junctionStatements } : {}),
    };
  } finally {
    await postgres.close();
  }
}

/** One round of load on an endpoint, added to what its earlier rounds measured. */
async function measure(
  endpoint: Endpoint,
  measured: Map<string, Measured>,
  warmupSeconds: number,
): Promise<void> {
  const into = measured.get(endpoint.name) ?? {
    latencies: [],
    seconds: 0,
    sent: 0,
    cpu: { server: 0, postgres: 0, load: 0 },
    idleSeconds: 0,
    unexpected: {},
    perSecondByRound: [],
  };
  measured.set(endpoint.name, into);
  let sent = 0;
  const { result, cpu } = await cpuDuring(
    () =>
      runLoad({
        origin: endpoint.origin,
        connections: CONNECTIONS,
        seconds: SECONDS,
        warmupSeconds,
        expectStatus: 202,
        latencies: into.latencies,
        next: () => {
          sent += 1;
          return endpoint.next();
        },
      }),
    endpoint.pid,
  );
  into.seconds += result.seconds;
  into.sent += sent;
  into.cpu.server += cpu.server;
  into.cpu.postgres += cpu.postgres;
  into.cpu.load += cpu.self;
  into.idleSeconds += cpu.idleShare * result.seconds;
  into.perSecondByRound.push(result.perSecond);
  for (const [status, count] of Object.entries(result.unexpected))
    into.unexpected[status] = (into.unexpected[status] ?? 0) + count;
}

/** The rounds of one endpoint as one result: rates and percentiles over every round. */
function merged(m: Measured): LoadResult & CpuPerRequest & { perSecondByRound: number[] } {
  return {
    ...summariseLoad(m.latencies, m.seconds, m.unexpected),
    cpuUsPerRequest: {
      server: microsPer(m.cpu.server, m.sent),
      postgres: microsPer(m.cpu.postgres, m.sent),
      loadGenerator: microsPer(m.cpu.load, m.sent),
    },
    machineIdlePercent: Math.round((100 * m.idleSeconds) / Math.max(1e-9, m.seconds)),
    perSecondByRound: m.perSecondByRound.map(Math.round),
  };
}

/** A Junction run of SECONDS with a CPU profile and per-statement timings (BENCH_PROFILE=1). */
async function profileJunction(junctionUrl: string, targetUrl: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-prof-'));
  const junction = await startBenchJunction(junctionUrl, {
    JUNCTION_ROLE: 'api',
    BENCH_TIME_QUERIES: '1',
  });
  try {
    const { hookPath } = await createBenchIntegration(junction.url, targetUrl);
    const prefix = `p${Math.random().toString(36).slice(2, 8)}_`;
    let i = 0;
    await junction.child.ask('profile-start');
    const measured = await cpuPerRequest(
      junction.child.pid,
      () =>
        runLoad({
          origin: junction.url,
          connections: CONNECTIONS,
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          expectStatus: 202,
          next: () => signedDelivery(hookPath, `${prefix}${i++}`),
        }),
      () => i,
    );
    await junction.child.ask('profile-stop', { dir });
    const statements = (await junction.child.ask('queries')).statements as Record<
      string,
      { count: number; ms: number }
    >;
    // Each batch is one autocommit statement (events, runs and jobs together).
    const commits = Object.entries(statements)
      .filter(([sql]) => sql.includes('jsonb_to_recordset'))
      .reduce((n, [, t]) => n + t.count, 0);
    return {
      ...measured.result,
      cpuUsPerRequest: measured.cpuUsPerRequest,
      machineIdlePercent: measured.machineIdlePercent,
      // Group commit: batches stored (each with its NOTIFY from add_jobs) and events per batch.
      commits,
      eventsPerCommit: round(i / Math.max(1, commits), 1),
      statements: Object.entries(statements)
        .sort((a, b) => b[1].ms - a[1].ms)
        .slice(0, 10)
        .map(([statement, t]) => ({ statement, count: t.count, meanMs: round(t.ms / t.count, 2) })),
      cpu: await summariseCpuProfile(dir),
    };
  } finally {
    await junction.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `text` (one or more statements) on a database. */
async function runSql(databaseUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Events, runs and queued jobs stored for the deliveries with this id prefix. */
async function countStored(databaseUrl: string, prefix: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ events: number; runs: number; jobs: number }>(
      `select (select count(*)::int from events where dedupe_key like $1) as events,
              (select count(*)::int from runs r join events e on e.id = r.event_id where e.dedupe_key like $1) as runs,
              (select count(*)::int from graphile_worker.jobs) as jobs`,
      [`${prefix}%`],
    );
    return rows[0];
  } finally {
    await client.end();
  }
}
