import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startBenchChild } from './support/bench-child.js';
import { createBenchIntegration, signedDelivery } from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { summariseCpuProfile } from './support/cpu-profile.js';
import { type CpuPerRequest, cpuPerRequest } from './support/cpu-time.js';
import { startBenchJunction } from './support/junction-env.js';
import { type LoadResult, round, runLoad } from './support/load-generator.js';

const CONNECTIONS = 50;
const SECONDS = Number(process.env.BENCH_INGRESS_SECONDS ?? 10);
const WARMUP_SECONDS = 2;

/**
 * Webhook ingress, against PostgreSQL on loopback: accepted requests per second, latency, and CPU
 * time per request of the server process and of PostgreSQL (from /proc, on Linux), with 50
 * keep-alive connections for 10 s, for (a) a baseline Hono endpoint that inserts the body in one
 * autocommit statement, (a') the group-commit reference (a Hono endpoint storing a row and a
 * graphile-worker job per request, by batch, without Junction's layers) and (b) Junction's
 * `POST /hooks/{token}` (signature checked, event, run and graphile-worker job stored by group
 * commit before the 202). Each server runs in its own process; Junction with JUNCTION_ROLE=api,
 * so that only ingress is measured (no worker runs the queued jobs). BENCH_PROFILE=1 adds a
 * third, profiled Junction run (a CPU profile of the load window, through node:inspector) and
 * reports where its CPU time goes. About 50 s (65 s profiled).
 */
export async function runIngressBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const baselineUrl = await postgres.createDatabase('baseline', { migrated: true });
    const junctionUrl = await postgres.createDatabase('ingress', { migrated: true });
    const targetUrl = await postgres.createDatabase('ingress_target');

    const baseline = await startBenchChild('baseline-process.ts', { DATABASE_URL: baselineUrl });
    let n = 0;
    const loadOn = (route: string) =>
      cpuPerRequest(
        baseline.pid,
        () =>
          runLoad({
            origin: String(baseline.ready.url),
            connections: CONNECTIONS,
            seconds: SECONDS,
            warmupSeconds: WARMUP_SECONDS,
            expectStatus: 202,
            next: () => ({
              path: route,
              headers: { 'content-type': 'application/json' },
              body: signedDelivery('/', `b${n++}`).body,
            }),
          }),
        () => n,
      );
    let baselineResult: LoadResult & CpuPerRequest;
    let referenceResult: LoadResult & CpuPerRequest;
    let baselineRss: number;
    try {
      const withCpu = ({ result, serverUs, postgresUs }: Awaited<ReturnType<typeof loadOn>>) => ({
        ...result,
        cpuUsPerRequest: { server: serverUs, postgres: postgresUs },
      });
      baselineResult = withCpu(await loadOn('/ingest'));
      referenceResult = withCpu(await loadOn('/ingest-batched'));
      baselineRss = await baseline.peakRssMb();
    } finally {
      await baseline.stop();
    }

    const measureJunction = async (profileDir?: string) => {
      const junction = await startBenchJunction(junctionUrl, {
        JUNCTION_ROLE: 'api',
        ...(profileDir ? { BENCH_TIME_QUERIES: '1' } : {}),
      });
      try {
        const { hookPath } = await createBenchIntegration(junction.url, targetUrl);
        const prefix = `j${Math.random().toString(36).slice(2, 8)}_`;
        let i = 0;
        if (profileDir) await junction.child.ask('profile-start');
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
        const result = {
          ...measured.result,
          cpuUsPerRequest: { server: measured.serverUs, postgres: measured.postgresUs },
        };
        let statements: Record<string, { count: number; ms: number }> | undefined;
        if (profileDir) {
          await junction.child.ask('profile-stop', { dir: profileDir });
          statements = (await junction.child.ask('queries')).statements as typeof statements;
        }
        return { result, rss: await junction.child.peakRssMb(), prefix, sent: i, statements };
      } finally {
        await junction.stop();
      }
    };
    const junction = await measureJunction();
    const stored = await countStored(junctionUrl, junction.prefix);

    let profile: unknown;
    if (process.env.BENCH_PROFILE === '1') {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-prof-'));
      try {
        const profiled = await measureJunction(dir);
        const statements = profiled.statements ?? {};
        // Each batch is one autocommit statement (events, runs and jobs together).
        const commits = Object.entries(statements)
          .filter(([sql]) => sql.includes('jsonb_to_recordset'))
          .reduce((n, [, t]) => n + t.count, 0);
        profile = {
          ...profiled.result,
          // Group commit: batches stored (each with its NOTIFY from add_jobs) and events per batch.
          commits,
          eventsPerCommit: round(profiled.sent / Math.max(1, commits), 1),
          statements: Object.entries(statements)
            .sort((a, b) => b[1].ms - a[1].ms)
            .slice(0, 10)
            .map(([statement, t]) => ({
              statement,
              count: t.count,
              meanMs: round(t.ms / t.count, 2),
            })),
          cpu: await summariseCpuProfile(dir),
        };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    const ratio = junction.result.perSecond / baselineResult.perSecond;
    const table = [
      { endpoint: 'baseline (1 insert, autocommit)', ...baselineResult, peakRssMb: baselineRss },
      {
        endpoint: 'reference (group commit: row + job)',
        ...referenceResult,
        peakRssMb: baselineRss,
      },
      { endpoint: 'Junction POST /hooks/{token}', ...junction.result, peakRssMb: junction.rss },
    ];
    console.log(`\ningress: ${CONNECTIONS} connections, ${SECONDS} s each (${postgres.server})`);
    console.table(
      table.map(({ unexpected, cpuUsPerRequest, ...row }) => ({
        ...row,
        cpuUsServer: cpuUsPerRequest.server,
        cpuUsPostgres: cpuUsPerRequest.postgres,
        unexpected: JSON.stringify(unexpected),
      })),
    );
    return {
      server: postgres.server,
      connections: CONNECTIONS,
      seconds: SECONDS,
      junctionRole: 'api (no worker: ingress only)',
      baseline: { ...baselineResult, peakRssMb: baselineRss },
      // The recommended design without Junction's layers: the ceiling of that design on
      // this machine, and so how much of the gap to the baseline is Junction's own.
      groupCommitReference: referenceResult,
      junction: { ...junction.result, peakRssMb: junction.rss },
      // Every 202 counted must have its event and run committed (and at least as many stored
      // as answered: warm-up and answers after the window are stored too).
      junctionEventsStored: stored,
      junctionRequestsSent: junction.sent,
      rateRatioJunctionToBaseline: round(ratio, 2),
      rateRatioJunctionToReference: round(junction.result.perSecond / referenceResult.perSecond, 2),
      rateRatioReferenceToBaseline: round(referenceResult.perSecond / baselineResult.perSecond, 2),
      goal: '>= 1.0x with p99 < 50 ms',
      goalMet: ratio >= 1 && junction.result.p99Ms < 50,
      ...(profile ? { junctionCpuProfile: profile } : {}),
    };
  } finally {
    await postgres.close();
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
