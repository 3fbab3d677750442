import os from 'node:os';
import pg from 'pg';
import { drift } from './soak/drift.js';
import { type MinuteSample, soakMinutes } from './soak/soak-minutes.js';
import { soakOptions } from './soak/soak-options.js';
import {
  createBenchIntegration,
  signedDelivery,
  targetTableSql,
} from './support/bench-integration.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { processCpuSeconds } from './support/cpu-time.js';
import { compareTables, databaseCounters, tableStats } from './support/database-stats.js';
import { startBenchJunction } from './support/junction-env.js';
import { createClient } from './support/load-generator.js';

/**
 * Soak: one Junction process as `npm start` leaves it (no tuning) takes signed webhooks at a fixed
 * rate below its capacity (`--rate`, 40/s) for `--minutes` (10), through the bench integration
 * (webhook -> mapping -> postgres upsert into another database). Reports, per minute, the latency
 * from acceptance (the 202) to the committed target row (p50, p99 of the webhooks accepted that
 * minute) and the cost per run (Junction's CPU, PostgreSQL buffer pages); the sizes of every
 * table and index at the start and the end, the autovacuum and autoanalyze runs between; and a
 * drift verdict: a line fitted to each per-minute figure, `rising` when its last minute is over
 * 1.25x its first.
 */
export async function runSoakBench(): Promise<Record<string, unknown>> {
  const { minutes, rate } = soakOptions(process.argv.slice(2));
  const postgres = await openBenchPostgres();
  const url = await postgres.createDatabase('soak', { migrated: true });
  const targetUrl = await postgres.createDatabase('soak_target');
  const database = new pg.Client({ connectionString: url });
  const target = new pg.Client({ connectionString: targetUrl });
  await database.connect();
  await target.connect();
  const junction = await startBenchJunction(url, {});
  const client = createClient(junction.url, 50);
  try {
    await target.query(targetTableSql);
    const { hookPath } = await createBenchIntegration(junction.url, targetUrl);
    const tablesAtStart = await tableStats(database);
    const sample = async (): Promise<MinuteSample> => ({
      cpuSeconds: await processCpuSeconds(junction.child.pid),
      blocks: (await databaseCounters(database)).blocks,
      load: Math.round((os.loadavg()[0] as number) * 10) / 10,
    });
    const samples = [await sample()];
    const acceptedAt = new Map<string, number>();
    const refused = new Map<string, number>();
    const refuse = (why: string) => {
      refused.set(why, (refused.get(why) ?? 0) + 1);
    };
    const total = Math.round(minutes * 60 * rate);
    const startedAt = Date.now();
    const sends: Promise<void>[] = [];
    for (let i = 0, minute = 1; i < total || minute <= Math.ceil(minutes); ) {
      const now = Date.now();
      for (; i < total && startedAt + (i * 1000) / rate <= now; i++) {
        const id = `soak_${i}`;
        sends.push(
          client.send(signedDelivery(hookPath, id)).then(
            (answer) => {
              if (answer.status === 202) acceptedAt.set(id, Date.now());
              else refuse(String(answer.status));
            },
            (error: Error) => refuse(error.message),
          ),
        );
      }
      if (now >= startedAt + minute * 60_000) {
        samples.push(await sample());
        console.error(`soak: minute ${minute}, ${acceptedAt.size} accepted`);
        minute += 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await Promise.all(sends);
    const writtenAt = await waitForRows(target, acceptedAt.size);
    const perMinute = soakMinutes({ startedAt, acceptedAt, writtenAt, samples });
    const tables = compareTables(tablesAtStart, await tableStats(database));
    const verdict = {
      p99: drift(perMinute.map((m) => m.p99Ms)),
      cpuPerRun: drift(perMinute.map((m) => m.cpuUsPerRun)),
      blocksPerRun: drift(perMinute.map((m) => m.blocksPerRun)),
    };
    console.log(`\nsoak: ${minutes} min at ${rate} webhooks/s (${postgres.server})`);
    console.table(perMinute);
    console.table(tables);
    console.table(verdict);
    return {
      server: postgres.server,
      autovacuum: await postgres.autovacuum(),
      minutes,
      rate,
      sent: total,
      accepted: acceptedAt.size,
      refused: Object.fromEntries(refused),
      written: writtenAt.size,
      perMinute,
      tables,
      drift: verdict,
    };
  } finally {
    client.close();
    await junction.stop();
    await database.end();
    await target.end();
    await postgres.close();
  }
}

/** The target rows' commit times by id, once `expected` are there (or after 5 minutes). */
async function waitForRows(target: pg.Client, expected: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 300_000;
  const count = async () =>
    (await target.query<{ n: number }>('select count(*)::int as n from bench_customers')).rows[0]
      ?.n ?? 0;
  while ((await count()) < expected && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 500));
  const { rows } = await target.query<{ id: string; at: number }>(
    'select id, (extract(epoch from written_at) * 1000)::float8 as at from bench_customers',
  );
  return new Map(rows.map((r) => [r.id, r.at]));
}
