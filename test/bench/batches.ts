import { createEventIngestor, type NewEvent } from '../../core/src/engine/event-ingestor.js';
import { chooseRunJobInsert } from '../../core/src/engine/run-job-insert.js';
import { createDatabase, createLogger } from '../../core/src/index.js';
import { createIntegrationRows } from '../support/create-integration-rows.js';
import { openBenchPostgres } from './support/bench-postgres.js';
import { processCpuSeconds } from './support/cpu-time.js';
import { round } from './support/load-generator.js';

const SIZES = [1, 2, 5, 10, 20, 50];
/** Events stored at each size (after a warm-up of a tenth as many). */
const EVENTS_PER_SIZE = 6000;

/**
 * What one batch of ingested events costs PostgreSQL, by batch size: Junction's ingestion
 * statement (events, runs and graphile-worker jobs, one statement per batch) run on one
 * connection, one batch after another, with no other load. For each size, the time per batch
 * and the CPU time of that connection's backend (from /proc, on Linux, with the server on this
 * machine) per batch and per event; then the fixed part of a batch and the part each event adds,
 * by least squares over the sizes. This is why gathering concurrent webhooks into batches pays:
 * a batch of one costs many times what an event in a batch of twenty does. About 20 s.
 */
export async function runBatchesBench(): Promise<Record<string, unknown>> {
  const postgres = await openBenchPostgres();
  try {
    const url = await postgres.createDatabase('batches', { migrated: true });
    const database = createDatabase(url, 2);
    try {
      const { pool } = database;
      await createIntegrationRows(pool, 'int_bench');
      const logger = createLogger('silent');
      const ingestor = createEventIngestor({
        pool,
        logger,
        jobInsert: await chooseRunJobInsert(pool, logger),
      });
      const client = await pool.connect();
      try {
        const backend = Number(
          (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid,
        );
        let next = 0;
        const batchOf = (size: number): NewEvent[] =>
          Array.from({ length: size }, () => {
            const n = next++;
            return {
              integrationId: 'int_bench',
              dedupeKey: `e${n}`,
              sourceRecord: `r${n}`,
              data: { id: `r${n}`, name: 'Ada Lovelace', email: 'ada@example.com', country: 'FR' },
            };
          });
        const store = async (size: number, events: number) => {
          const batches = Math.max(1, Math.round(events / size));
          const cpuBefore = await processCpuSeconds(backend);
          const started = performance.now();
          for (let b = 0; b < batches; b++) await ingestor.ingestWith(client, batchOf(size));
          const ms = performance.now() - started;
          const cpuUs = ((await processCpuSeconds(backend)) - cpuBefore) * 1e6;
          return { batches, ms, cpuUs };
        };
        const bySize = [];
        for (const size of SIZES) {
          await store(size, EVENTS_PER_SIZE / 10);
          const { batches, ms, cpuUs } = await store(size, EVENTS_PER_SIZE);
          bySize.push({
            size,
            batches,
            msPerBatch: round(ms / batches, 3),
            postgresCpuUsPerBatch: Math.round(cpuUs / batches),
            postgresCpuUsPerEvent: Math.round(cpuUs / batches / size),
          });
        }
        console.log(`batches: PostgreSQL's CPU time per batch of ingested events, by size`);
        console.table(bySize);
        const fit = leastSquares(bySize.map((r) => [r.size, r.postgresCpuUsPerBatch]));
        return {
          server: postgres.server,
          eventsPerSize: EVENTS_PER_SIZE,
          bySize,
          postgresCpuUs: fit
            ? { perBatch: Math.round(fit.intercept), perEvent: Math.round(fit.slope) }
            : 'not measured (no /proc, or the server is not on this machine)',
        };
      } finally {
        client.release();
        await ingestor.close();
      }
    } finally {
      await database.close();
    }
  } finally {
    await postgres.close();
  }
}

/** The line through points (x, y) by least squares; undefined if any y is unknown. */
function leastSquares(
  points: [number, number][],
): { intercept: number; slope: number } | undefined {
  if (points.some(([, y]) => !Number.isFinite(y))) return undefined;
  const n = points.length;
  const meanX = points.reduce((s, [x]) => s + x, 0) / n;
  const meanY = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - meanX) * (y - meanY), 0);
  const sxx = points.reduce((s, [x]) => s + (x - meanX) ** 2, 0);
  const slope = sxy / sxx;
  return { intercept: meanY - slope * meanX, slope };
}
