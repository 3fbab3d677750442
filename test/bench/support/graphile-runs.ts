import { Logger, run, type Task } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import { recordAudit } from '../../../core/src/audit/record-audit.js';
import { startAuditSealer } from '../../../core/src/audit/start-audit-sealer.js';
import { createDatabase } from '../../../core/src/db/create-database.js';
import { createLogger } from '../../../core/src/log/create-logger.js';
import { compileMapping, type Mapping } from '../../../core/src/mapping/index.js';
import { benchMapping, crmEvent } from './bench-integration.js';
import { round } from './load-generator.js';

const silent = new Logger(() => () => {});

/** graphile-worker settings of one measurement. */
export interface WorkerSettings {
  readonly concurrency: number;
  /** Local queue size (graphile-worker batching); omitted: off. */
  readonly localQueue?: number;
}

/** Jobs (or events) per second from the first job's start to the last one's end. */
export interface DrainResult {
  readonly jobs: number;
  readonly seconds: number;
  readonly perSecond: number;
}

/**
 * Queues `count` jobs of `task` in one statement, then runs a graphile-worker pool (batched
 * completion, as Junction's) until every job has run once; the clock runs from the first job's
 * start to the last one's end.
 */
async function drain(
  pool: pg.Pool,
  settings: WorkerSettings,
  count: number,
  task: Task,
  payloads: string,
): Promise<DrainResult> {
  await pool.query(
    `select graphile_worker.add_jobs(array(
       select row('bench', p, null, null, null, null, null, null)::graphile_worker.job_spec
       from json_array_elements($1::json) p))`,
    [payloads],
  );
  let first = 0;
  let last = 0;
  let done = 0;
  let finish: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const runner = await run({
    pgPool: pool,
    concurrency: settings.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: silent,
    taskList: {
      bench: async (payload, helpers) => {
        first ||= performance.now();
        await task(payload, helpers);
        last = performance.now();
        if (++done === count) finish();
      },
    },
    preset: {
      worker: {
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
        ...(settings.localQueue ? { localQueue: { size: settings.localQueue } } : {}),
      },
    },
  });
  const timeout = setTimeout(finish, 120_000);
  await finished;
  clearTimeout(timeout);
  await runner.stop();
  const seconds = (last - first) / 1000;
  return { jobs: done, seconds: round(seconds, 2), perSecond: Math.round(done / seconds) };
}

/** (1) Raw graphile-worker: `count` no-op jobs on a migrated database. */
export async function measureNoopJobs(
  databaseUrl: string,
  settings: WorkerSettings,
  count: number,
): Promise<DrainResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: settings.concurrency + 4 });
  quiet(pool);
  try {
    return await drain(
      pool,
      settings,
      count,
      async () => {},
      JSON.stringify(Array.from({ length: count }, () => ({}))),
    );
  } finally {
    await pool.end();
  }
}

/** How the hand-written task reaches the target database. */
export type TargetAccess =
  | { readonly kind: 'pool' }
  /** A new connection and a column lookup per write, as the postgres connector does. */
  | { readonly kind: 'connection-per-write' };

/**
 * (2) The same database work as a Junction run, hand-written in one graphile-worker task: read
 * the event, apply the compiled mapping (core/src/mapping), upsert the target row, insert an
 * audit row (core's recordAudit). Events are stored first (`count` rows), one job each. While the
 * jobs run, core's audit sealer links the entries into the chain as it does in a Junction
 * process (since entries enter without hashes, the sealer computes them: an entry's hashing is
 * part of its cost, here as in Junction).
 */
export async function measureHandWritten(
  databaseUrl: string,
  targetUrl: string,
  settings: WorkerSettings & { readonly target: TargetAccess },
  count: number,
  idPrefix: string,
): Promise<
  DrainResult & { auditShare: string; meanAuditMs: number; auditMs: number; taskMs: number }
> {
  const database = createDatabase(databaseUrl, settings.concurrency + 4);
  const target = new pg.Pool({ connectionString: targetUrl, max: settings.concurrency + 4 });
  quiet(target);
  quiet(database.pool);
  const mapping = compileMapping(benchMapping as Mapping);
  let taskMs = 0;
  let auditMs = 0;
  try {
    await sql`create table if not exists bench_events (id text primary key, data jsonb not null)`.execute(
      database.db,
    );
    const ids = Array.from({ length: count }, (_, i) => `${idPrefix}${i}`);
    await database.pool.query(
      'insert into bench_events select x.id, x.data from jsonb_to_recordset($1::jsonb) as x(id text, data jsonb)',
      [JSON.stringify(ids.map((id) => ({ id, data: crmEvent(id) })))],
    );
    const sealer = startAuditSealer({ db: database.db, logger: createLogger('silent') });
    const result = await drain(
      database.pool,
      settings,
      count,
      async (payload) => {
        const started = performance.now();
        const { eventId } = payload as { eventId: string };
        const { rows } = await database.pool.query<{ data: unknown }>(
          'select data from bench_events where id = $1',
          [eventId],
        );
        const mapped = mapping({ event: rows[0]?.data }).output as {
          key: string;
          values: { email: string; name: string; country: string };
        };
        const { email, name, country } = mapped.values;
        const upsert = {
          text: `insert into bench_customers as r (id, email, name, country) values ($1, $2, $3, $4)
                 on conflict (id) do update set email = excluded.email, name = excluded.name, country = excluded.country
                 returning row_to_json(r) as row`,
          values: [mapped.key, email, name, country],
        };
        let written: { row: unknown } | undefined;
        if (settings.target.kind === 'pool') {
          written = (await target.query<{ row: unknown }>(upsert)).rows[0];
        } else {
          const client = new pg.Client({ connectionString: targetUrl });
          await client.connect();
          try {
            await client.query(
              `select column_name, data_type from information_schema.columns
               where table_schema = 'public' and table_name = 'bench_customers'`,
            );
            written = (await client.query<{ row: unknown }>(upsert)).rows[0];
          } finally {
            await client.end();
          }
        }
        const auditStarted = performance.now();
        await recordAudit(database.db, {
          actor: 'integration:int_bench',
          action: 'record.write',
          subjectType: 'record',
          subjectId: `test-crm:${mapped.key}`,
          integrationId: 'int_bench',
          runId: `run_${eventId}`,
          data: { connector: 'postgres', action: 'upsert-row', input: mapped, output: written },
        });
        const now = performance.now();
        auditMs += now - auditStarted;
        taskMs += now - started;
      },
      JSON.stringify(ids.map((eventId) => ({ eventId }))),
    ).finally(() => sealer.stop());
    return {
      ...result,
      auditShare: `${((auditMs / taskMs) * 100).toFixed(1)}%`,
      meanAuditMs: round(auditMs / result.jobs, 2),
      auditMs,
      taskMs,
    };
  } finally {
    await target.end();
    await database.close();
  }
}

/** Error handlers on a pool and its clients (an idle client's error must not crash the bench). */
function quiet(pool: pg.Pool): void {
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
}
