import pg from 'pg';
import { createWaitSigner } from '../../core/src/engine/wait-tokens.js';
import { runSlowSteps } from './slow-steps.js';
import {
  BENCH_SECRET_KEY,
  createBenchIntegration,
  createOneStepIntegration,
  signedDelivery,
  targetTableSql,
} from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { startBenchJunction } from './support/junction-env.js';
import { createClient, percentile, round } from './support/load-generator.js';
import { waitForRuns } from './support/wait-for-runs.js';

const CONCURRENCY = 16;
const PARKED = Number(process.env.BENCH_WAITS_PARKED ?? 10_000);
const DRAIN_EVENTS = Number(process.env.BENCH_WAITS_EVENTS ?? 3_000);
const SOCKETS = 50;

/**
 * Parked runs cost nothing while they wait. One Junction process (role all, worker concurrency
 * 16) and, side by side in one run: the end-to-end drain rate of an integration (signed webhook ->
 * pooled upsert into another database) with no run parked, then with PARKED (10,000) runs of
 * another integration waiting for callbacks, then with none again once they are resumed; and the
 * resumption itself: PARKED callbacks posted by 50 connections, answered per second and p99, and
 * resumed runs finished per second. Drain rate with parked runs / mean of the rates without: the
 * goal is at least 0.95. Then slow AI steps with and without detached calls (slow-steps.ts).
 * About 2 minutes.
 */
export async function runWaitsBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const databaseUrl = await postgres.createDatabase('waits', { migrated: true });
    const targetUrl = await postgres.createDatabase('waits_target');
    const setup = new pg.Client({ connectionString: targetUrl });
    await setup.connect();
    await setup.query(targetTableSql);
    await setup.end();
    const junction = await startBenchJunction(databaseUrl, {
      JUNCTION_ROLE: 'all',
      JUNCTION_WORKER_CONCURRENCY: String(CONCURRENCY),
    });
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const client = createClient(junction.url, SOCKETS);
    let figures: Record<string, unknown>;
    try {
      const writes = await createBenchIntegration(junction.url, targetUrl, 'bench-postgres-pooled');
      const parking = await createParkingIntegration(junction.url);
      /** Sends `n` webhooks by SOCKETS connections; resolves with their answers' latencies. */
      const send = async (hookPath: string, prefix: string, n: number) => {
        let next = 0;
        const latencies: number[] = [];
        const loop = async () => {
          while (next < n) {
            const answer = await client.send(signedDelivery(hookPath, `${prefix}${next++}`));
            if (answer.status !== 202) throw new Error(`webhook answered ${answer.status}`);
            latencies.push(answer.ms);
          }
        };
        await Promise.all(Array.from({ length: SOCKETS }, loop));
        return latencies;
      };
      let succeeded = 0;
      /** End-to-end drain: DRAIN_EVENTS events from the first webhook to the last committed run. */
      const drain = async (label: string) => {
        const started = performance.now();
        await send(writes.hookPath, `${label}-`, DRAIN_EVENTS);
        succeeded += DRAIN_EVENTS;
        await waitForRuns(db, writes.integrationId, 'succeeded', succeeded, 'the drain');
        const seconds = (performance.now() - started) / 1000;
        return {
          events: DRAIN_EVENTS,
          seconds: round(seconds, 2),
          perSecond: Math.round(DRAIN_EVENTS / seconds),
        };
      };

      await drain('warmup');
      const before = await drain('before');
      const parkStarted = performance.now();
      await send(parking.hookPath, 'park-', PARKED);
      await waitForRuns(db, parking.integrationId, 'waiting', PARKED, 'parking');
      const parkSeconds = (performance.now() - parkStarted) / 1000;
      const jobs = Number(
        (
          await db.query(
            `select count(*)::int as n from graphile_worker._private_jobs where payload->>'runId' is not null`,
          )
        ).rows[0].n,
      );
      const withParked = [await drain('parked-1'), await drain('parked-2')];

      // Every parked run's callback, as the systems doing the work would post it.
      const signer = createWaitSigner(Buffer.from(BENCH_SECRET_KEY, 'hex'));
      const waits = (
        await db.query<{ id: string }>(`select id from run_waits where state = 'waiting'`)
      ).rows;
      const callbacks = waits.map((w) => `/callbacks/${signer.token(w.id)}`);
      const latencies: number[] = [];
      const resumeStarted = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: SOCKETS }, async () => {
          while (next < callbacks.length) {
            const answer = await client.send({
              path: callbacks[next++] as string,
              headers: { 'content-type': 'application/json' },
              body: '{"done":true}',
            });
            if (answer.status !== 202)
              throw new Error(`callback answered ${answer.status}: ${answer.body}`);
            latencies.push(answer.ms);
          }
        }),
      );
      const answeredSeconds = (performance.now() - resumeStarted) / 1000;
      await waitForRuns(db, parking.integrationId, 'succeeded', PARKED, 'resumption');
      const resumedSeconds = (performance.now() - resumeStarted) / 1000;
      const after = await drain('after');

      latencies.sort((a, b) => a - b);
      const without = (before.perSecond + after.perSecond) / 2;
      const parkedRate = (withParked[0]!.perSecond + withParked[1]!.perSecond) / 2;
      const ratio = parkedRate / without;
      const result = {
        parked: PARKED,
        parkSeconds: round(parkSeconds, 1),
        graphileJobsWhileParked: jobs,
        drain: { before, withParked, after },
        ratioWithParkedToWithout: round(ratio, 3),
        ratioByRound: withParked.map((d) => round(d.perSecond / without, 3)),
        callbacks: {
          count: callbacks.length,
          answeredPerSecond: Math.round(callbacks.length / answeredSeconds),
          p50Ms: round(percentile(latencies, 0.5), 1),
          p99Ms: round(percentile(latencies, 0.99), 1),
          resumedRunsPerSecond: Math.round(PARKED / resumedSeconds),
        },
        goal: 'drain with parked runs >= 0.95 of without',
        goalMet: ratio >= 0.95,
      };
      console.log('\nwaits:');
      console.table([
        { what: 'drain, nothing parked (before)', ...before },
        { what: `drain, ${PARKED} parked (1)`, ...withParked[0] },
        { what: `drain, ${PARKED} parked (2)`, ...withParked[1] },
        { what: 'drain, nothing parked (after)', ...after },
      ]);
      figures = result;
    } finally {
      client.close();
      await db.end();
      await junction.stop();
    }
    const slowSteps = await runSlowSteps(postgres);
    console.log('\nslow AI steps:');
    console.table([
      { what: 'detached (default)', ...(slowSteps.detached as object) },
      { what: 'held in the worker slot', ...(slowSteps.heldInSlot as object) },
    ]);
    return { ...figures, slowSteps };
  } finally {
    await postgres.close();
  }
}

/** An integration whose one step parks each event's run until its callback. */
function createParkingIntegration(junctionUrl: string) {
  return createOneStepIntegration(junctionUrl, {
    name: 'Parked until a callback (bench)',
    crmName: 'CRM (parking)',
    step: {
      kind: 'action',
      key: 'park',
      connector: 'bench-parking',
      action: 'park',
      mapping: { id: { var: 'event.id' } },
    },
  });
}
