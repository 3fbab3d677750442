import pg from 'pg';
import { seedGrownDatabase } from '../support/grown-database.js';
import {
  createBenchIntegration,
  signedDelivery,
  targetTableSql,
} from './support/bench-integration.js';
import { type BenchPostgres, openBenchPostgres } from './support/bench-postgres.js';
import { processCpuSeconds } from './support/cpu-time.js';
import { databaseCounters } from './support/database-stats.js';
import { type BenchJunction, startBenchJunction } from './support/junction-env.js';
import { createClient, round } from './support/load-generator.js';

const ROWS = Number(process.env.BENCH_GROWTH_ROWS ?? 1_000_000);
const EVENTS = Number(process.env.BENCH_GROWTH_EVENTS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_GROWTH_ROUNDS ?? 2);

/** How the Junction process is configured: as `npm start` leaves it, or tuned as in the README. */
const setups = {
  defaults: {},
  tuned: { JUNCTION_WORKER_CONCURRENCY: '24' },
} as const satisfies Record<string, Record<string, string>>;
type Setup = keyof typeof setups;

interface Round {
  readonly acceptedPerSecond: number;
  readonly drainPerSecond: number;
  readonly refused: number;
  /** PostgreSQL buffer pages read (memory or disk) in Junction's database, per run. */
  readonly blocksPerRun: number;
  /** Junction's process CPU per run, in microseconds. */
  readonly cpuUsPerRun: number;
}

/**
 * Growth: the same integration (signed webhook -> 3-field mapping -> postgres upsert) on a fresh
 * database and on one grown to ROWS events, runs, steps and record links (BENCH_GROWTH_ROWS, a
 * million) over five integrations, the bench's own among them (its links, runs and lanes are the
 * ones its runs look up). Each round starts one Junction process (role all) per database and
 * setup (`defaults`: nothing set, as `npm start`; `tuned`: worker concurrency 24), in an order
 * that rotates, and sends EVENTS webhooks over 50 connections: accepted/s (ingress) and runs
 * written/s from the first webhook to the last committed target row (end to end), and what does
 * not depend on the machine's load: PostgreSQL buffer pages and Junction CPU per run. Reports
 * each, and the ratios grown/fresh (goal >= 0.9) and defaults/tuned (goal >= 0.8). The grown
 * database is vacuumed and analysed after seeding, as autovacuum would have done on an install
 * that grew over those days; the server's autovacuum setting is reported beside the figures.
 */
export async function runGrowthBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const databases = {} as Record<
      'fresh' | 'grown',
      { url: string; targetUrl: string; hookPath: string }
    >;
    let seedSeconds = 0;
    for (const kind of ['fresh', 'grown'] as const) {
      const url = await postgres.createDatabase(kind, { migrated: true });
      const targetUrl = await postgres.createDatabase(`${kind}_target`);
      await query(targetUrl, targetTableSql);
      const junction = await startBenchJunction(url, {});
      let created: Awaited<ReturnType<typeof createBenchIntegration>>;
      try {
        created = await createBenchIntegration(junction.url, targetUrl, 'postgres', 24);
      } finally {
        await junction.stop();
      }
      if (kind === 'grown') {
        const started = Date.now();
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          // 20 days of history: inside the default retention, so nothing is deleted meanwhile.
          await seedGrownDatabase(client, {
            rows: ROWS,
            days: 20,
            integrations: [created.integrationId, 'grown_b', 'grown_c', 'grown_d', 'grown_e'],
          });
          // What autovacuum would have done over those 20 days on a real install.
          await client.query('vacuum analyze');
        } finally {
          await client.end();
        }
        seedSeconds = round((Date.now() - started) / 1000, 1);
      }
      databases[kind] = { url, targetUrl, hookPath: created.hookPath };
    }
    const order = (['fresh', 'grown'] as const).flatMap((kind) =>
      (Object.keys(setups) as Setup[]).map((setup) => ({ kind, setup })),
    );
    const rounds = new Map<string, Round[]>();
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < order.length; i++) {
        const { kind, setup } = order[(i + r) % order.length] as (typeof order)[number];
        const database = databases[kind];
        const junction = await startBenchJunction(database.url, setups[setup]);
        try {
          const measured = await burst(junction, database, `${setup}${r}_`);
          rounds.set(`${kind} ${setup}`, [...(rounds.get(`${kind} ${setup}`) ?? []), measured]);
        } finally {
          await junction.stop();
        }
      }
    }
    const merged = Object.fromEntries(
      [...rounds].map(([key, list]) => [
        key,
        {
          acceptedPerSecond: median(list.map((l) => l.acceptedPerSecond)),
          drainPerSecond: median(list.map((l) => l.drainPerSecond)),
          blocksPerRun: median(list.map((l) => l.blocksPerRun)),
          cpuUsPerRun: median(list.map((l) => l.cpuUsPerRun)),
          refused: list.reduce((n, l) => n + l.refused, 0),
          rounds: list,
        },
      ]),
    );
    const at = (key: string) =>
      merged[key] as { acceptedPerSecond: number; drainPerSecond: number };
    const ratios = {
      grownToFresh: Object.fromEntries(
        (Object.keys(setups) as Setup[]).map((setup) => [
          setup,
          {
            ingress: round(
              at(`grown ${setup}`).acceptedPerSecond / at(`fresh ${setup}`).acceptedPerSecond,
              2,
            ),
            endToEnd: round(
              at(`grown ${setup}`).drainPerSecond / at(`fresh ${setup}`).drainPerSecond,
              2,
            ),
          },
        ]),
      ),
      defaultsToTuned: Object.fromEntries(
        (['fresh', 'grown'] as const).map((kind) => [
          kind,
          round(at(`${kind} defaults`).drainPerSecond / at(`${kind} tuned`).drainPerSecond, 2),
        ]),
      ),
    };
    console.log(
      `\ngrowth: ${ROWS} seeded rows per table in ${seedSeconds} s, ${EVENTS} events per round`,
    );
    const statements = await compareStatements(postgres, databases.fresh.url, databases.grown.url);
    if (statements) console.table(statements);
    console.table(
      Object.entries(merged).map(([what, m]) => ({
        what,
        acceptedPerSecond: m.acceptedPerSecond,
        drainPerSecond: m.drainPerSecond,
        blocksPerRun: m.blocksPerRun,
        cpuUsPerRun: m.cpuUsPerRun,
        refused: m.refused,
      })),
    );
    return {
      server: postgres.server,
      autovacuum: await postgres.autovacuum(),
      prepared: 'the grown database VACUUM ANALYZEd after seeding, as autovacuum would have',
      seededRows: ROWS,
      seedSeconds,
      events: EVENTS,
      rounds: ROUNDS,
      results: merged,
      ratios,
      statements,
      goal: 'grown/fresh >= 0.9 on ingress and end to end; defaults/tuned >= 0.8 end to end',
    };
  } finally {
    await postgres.close();
  }
}

/** EVENTS signed webhooks over 50 connections, then waits for their rows in the target. */
async function burst(
  junction: BenchJunction,
  database: { url: string; targetUrl: string; hookPath: string },
  prefix: string,
): Promise<Round> {
  const client = createClient(junction.url, 50);
  const target = new pg.Client({ connectionString: database.targetUrl });
  const own = new pg.Client({ connectionString: database.url });
  await target.connect();
  await own.connect();
  try {
    const cpuBefore = await processCpuSeconds(junction.child.pid);
    const blocksBefore = (await databaseCounters(own)).blocks;
    const started = Date.now();
    let next = 0;
    let refused = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < EVENTS) {
          const answer = await client.send(signedDelivery(database.hookPath, `${prefix}${next++}`));
          if (answer.status !== 202) refused += 1;
        }
      }),
    );
    const accepted = (EVENTS - refused) / ((Date.now() - started) / 1000);
    const deadline = Date.now() + 300_000;
    let written = 0;
    while (written < EVENTS - refused && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const { rows } = await target.query<{ n: number; last: Date | null }>(
        'select count(*)::int as n from bench_customers where id like $1',
        [`${prefix}%`],
      );
      written = rows[0]?.n ?? 0;
    }
    const { rows } = await target.query<{ last: Date | null }>(
      'select max(written_at) as last from bench_customers where id like $1',
      [`${prefix}%`],
    );
    const seconds = ((rows[0]?.last ?? new Date()).getTime() - started) / 1000;
    const cpu = (await processCpuSeconds(junction.child.pid)) - cpuBefore;
    const blocks = (await databaseCounters(own)).blocks - blocksBefore;
    return {
      acceptedPerSecond: Math.round(accepted),
      drainPerSecond: Math.round(written / seconds),
      refused,
      blocksPerRun: Math.round((blocks / written) * 10) / 10,
      cpuUsPerRun: Math.round((cpu / written) * 1e6),
    };
  } finally {
    client.close();
    await target.end();
    await own.end();
  }
}

/**
 * With BENCH_PG_STATEMENTS=1, the statements that took the most time on the grown database, with
 * their mean time on each database: which of them grows with the data.
 */
async function compareStatements(postgres: BenchPostgres, freshUrl: string, grownUrl: string) {
  const [fresh, grown] = await Promise.all([
    postgres.statements(freshUrl),
    postgres.statements(grownUrl),
  ]);
  if (!fresh || !grown) return undefined;
  const freshBy = new Map(fresh.map((s) => [s.statement, s]));
  return grown.map((s) => ({
    statement: s.statement,
    calls: s.calls,
    grownMeanMs: s.meanMs,
    freshMeanMs: freshBy.get(s.statement)?.meanMs,
    grownTotalMs: s.totalMs,
    freshTotalMs: freshBy.get(s.statement)?.totalMs,
  }));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : Math.round(((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2);
}

async function query(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
