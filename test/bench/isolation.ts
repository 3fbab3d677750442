import pg from 'pg';
import {
  createBenchIntegration,
  signedDelivery,
  targetTableSql,
} from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import { createClient, round } from './support/load-generator.js';

const CONCURRENCY = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 16);
const EVENTS = Number(process.env.BENCH_ISOLATION_EVENTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ISOLATION_ROUNDS ?? 3);

interface Setup {
  readonly name: 'in-process' | 'isolated';
  readonly url: string;
  readonly junction: BenchJunction;
  readonly hookPath: string;
  readonly client: ReturnType<typeof createClient>;
  readonly target: pg.Client;
  readonly rounds: { events: number; seconds: number }[];
}

/**
 * The price of plugin isolation, end to end: two Junction processes (role all, worker
 * concurrency 16), the same integration (signed webhook, one `upsert-row` through the postgres
 * connector into a table of another database), one with the connector in-process (trusted, as
 * shipped) and one with it in plugin hosts (JUNCTION_PLUGIN_HOSTS, 2 by default), as every
 * installed plugin runs. Each round sends BENCH_ISOLATION_EVENTS (2,000) webhooks over 50
 * connections to each in turn (the order alternating) and waits until every row is written;
 * the rate is events per second from the first send to the last row's commit. About 60 s.
 */
export async function runIsolationBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  const setups: Setup[] = [];
  try {
    for (const name of ['in-process', 'isolated'] as const) {
      const tag = name === 'isolated' ? 'iso_host' : 'iso_inproc';
      const url = await postgres.createDatabase(tag, { migrated: true });
      const targetUrl = await postgres.createDatabase(`${tag}_target`);
      const target = new pg.Client({ connectionString: targetUrl });
      await target.connect();
      await target.query(targetTableSql);
      const junction = await startBenchJunction(url, {
        JUNCTION_ROLE: 'all',
        JUNCTION_WORKER_CONCURRENCY: String(CONCURRENCY),
        ...(name === 'isolated' ? { BENCH_ISOLATE_POSTGRES: '1' } : {}),
      });
      const { hookPath } = await createBenchIntegration(
        junction.url,
        targetUrl,
        'postgres',
        CONCURRENCY,
      );
      setups.push({
        name,
        url,
        junction,
        hookPath,
        client: createClient(junction.url, 50),
        target,
        rounds: [],
      });
    }
    // A warm-up round each (hosts started, pools opened), not counted.
    for (const setup of setups) await sendAndWait(setup, 'warm_', 200);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? setups : [...setups].reverse();
      for (const setup of order) setup.rounds.push(await sendAndWait(setup, `r${round}_`, EVENTS));
    }
  } finally {
    for (const setup of setups) {
      setup.client.close();
      await setup.target.end();
      await setup.junction.stop();
    }
    await postgres.close();
  }
  const rate = (setup: Setup) => {
    const events = setup.rounds.reduce((n, r) => n + r.events, 0);
    const seconds = setup.rounds.reduce((n, r) => n + r.seconds, 0);
    return { events, seconds: round(seconds, 2), perSecond: Math.round(events / seconds) };
  };
  const [inProcess, isolated] = setups as [Setup, Setup];
  const ratio = rate(isolated).perSecond / rate(inProcess).perSecond;
  console.log(`\nisolation: worker concurrency ${CONCURRENCY}, ${ROUNDS} rounds`);
  console.table([
    { what: 'postgres connector in-process', ...rate(inProcess) },
    { what: 'postgres connector in plugin hosts', ...rate(isolated) },
  ]);
  return {
    server: postgres.server,
    workerConcurrency: CONCURRENCY,
    rounds: ROUNDS,
    inProcess: rate(inProcess),
    isolated: rate(isolated),
    ratioIsolatedToInProcess: round(ratio, 2),
    ratioByRound: isolated.rounds.map((r, i) =>
      round(
        r.events /
          r.seconds /
          ((inProcess.rounds[i]?.events ?? 0) / (inProcess.rounds[i]?.seconds ?? 1)),
        2,
      ),
    ),
    goal: '>= 0.8 of in-process',
    goalMet: ratio >= 0.8,
  };
}

/** Sends `events` webhooks over 50 connections, then waits for every row (at most 120 s). */
async function sendAndWait(setup: Setup, prefix: string, events: number) {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < events) {
        const answer = await setup.client.send(
          signedDelivery(setup.hookPath, `${prefix}${next++}`),
        );
        if (answer.status !== 202)
          throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
      }
    }),
  );
  const deadline = Date.now() + Number(process.env.BENCH_ISOLATION_WAIT_MS ?? 120_000);
  for (;;) {
    const { rows } = await setup.target.query<{ n: number }>(
      'select count(*)::int as n from bench_customers where id like $1',
      [`${prefix}%`],
    );
    if ((rows[0]?.n ?? 0) >= events) break;
    if (Date.now() > deadline) {
      const db = new pg.Client({ connectionString: setup.url });
      await db.connect();
      const errors = await db.query(
        'select last_error from runs where last_error is not null limit 3',
      );
      await db.end();
      throw new Error(
        `${setup.name}: ${rows[0]?.n} of ${events} rows in time; ${JSON.stringify(errors.rows)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { events, seconds: (performance.now() - started) / 1000 };
}
