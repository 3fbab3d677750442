import { createLogger } from '@junction/core';
import { runOnce } from 'graphile-worker';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../core/src/db/create-database.js';
import { createGraphileLogger } from '../../core/src/db/graphile-logger.js';
import {
  chooseRunJobInsert,
  DIRECT_RUN_JOBS_REVISION,
  queueRunJobsSql,
  type RunJobInsert,
} from '../../core/src/engine/run-job-insert.js';
import { RUN_TASK, type RunJobPayload } from '../../core/src/engine/run-queue.js';
import { useJunctionDatabase } from '../support/junction-database.js';
import { lockWaiters } from '../support/lock-waiters.js';
import { captureLogs } from '../support/log-capture.js';
import { createTestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

const database = useJunctionDatabase(4);
const logger = createLogger('silent');

/** Queues jobs for `runIds` the given way, in one autocommit statement; returns how many. */
async function queue(client: pg.ClientBase, insert: RunJobInsert, runIds: string[]) {
  const { rows } = await client.query<{ n: number }>(
    `with ids as (select unnest($1::text[]) as id), ${queueRunJobsSql(insert, 'select id from ids')}
     select n::int from jobs`,
    [runIds],
  );
  return rows[0]?.n;
}

/** The queued jobs of these runs: every column of graphile-worker's job row but id and times. */
async function jobsOf(runIds: string[]) {
  const { rows } = await database().pool.query(
    `select t.identifier as task_identifier, j.job_queue_id, j.payload, j.priority,
            j.run_at > now() - interval '1 minute' and j.run_at <= now() as due,
            j.attempts, j.max_attempts, j.last_error, j.key, j.locked_at, j.locked_by,
            j.revision, j.flags, j.is_available
     from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
     where j.payload->>'runId' = any($1::text[]) order by j.id`,
    [runIds],
  );
  return rows;
}

/** A graphile-worker whose schema moved on: one more migration than the known revision. */
async function moveSchemaOn(db: pg.Pool | pg.ClientBase): Promise<void> {
  await db.query('insert into graphile_worker.migrations (id) values ($1)', [
    DIRECT_RUN_JOBS_REVISION + 1,
  ]);
}

describe('queueing run jobs', () => {
  it("inserts directly on graphile-worker's known schema, and otherwise goes through add_jobs and says so", async () => {
    expect(await chooseRunJobInsert(database().pool, logger)).toBe('direct');

    const other = await createTestDatabase();
    const otherDb = createDatabase(other.url, 2);
    const logs = captureLogs();
    try {
      await moveSchemaOn(otherDb.pool);
      expect(await chooseRunJobInsert(otherDb.pool, createLogger('info', logs.stream))).toBe(
        'add-jobs',
      );
      expect(logs.text()).toContain('ingestion queues its jobs through graphile_worker.add_jobs');
      expect(logs.text()).toContain(`"revision":${DIRECT_RUN_JOBS_REVISION + 1}`);
    } finally {
      await otherDb.close();
      await other.drop();
    }
  });

  it("goes through add_jobs once graphile-worker's schema has moved on, without a restart", async () => {
    const other = await createTestDatabase();
    const client = new pg.Client({ connectionString: other.url });
    await client.connect();
    /** How many times add_jobs has run (PostgreSQL's function statistics of this session). */
    const addJobsCalls = async () => {
      await client.query('select pg_stat_force_next_flush()');
      const { rows } = await client.query<{ calls: string }>(
        `select calls from pg_stat_user_functions
         where schemaname = 'graphile_worker' and funcname = 'add_jobs'`,
      );
      return Number(rows[0]?.calls ?? 0);
    };
    try {
      await client.query(`set track_functions = 'pl'`);
      expect(await queue(client, 'direct', ['run_known_schema'])).toBe(1);
      expect(await addJobsCalls()).toBe(0);
      await moveSchemaOn(client);
      expect(await queue(client, 'direct', ['run_moved_on_1', 'run_moved_on_2'])).toBe(2);
      expect(await addJobsCalls()).toBe(1);
      const { rows } = await client.query(
        `select payload->>'runId' as run_id from graphile_worker._private_jobs order by id`,
      );
      expect(rows.map((r) => r.run_id)).toEqual([
        'run_known_schema',
        'run_moved_on_1',
        'run_moved_on_2',
      ]);
    } finally {
      await client.end();
      await other.drop();
    }
  });

  it('queues the same job as add_jobs does', async () => {
    const client = await database().pool.connect();
    try {
      expect(await queue(client, 'add-jobs', ['run_by_add_jobs'])).toBe(1);
      expect(await queue(client, 'direct', ['run_direct'])).toBe(1);
    } finally {
      client.release();
    }
    const [byAddJobs, direct] = await jobsOf(['run_by_add_jobs', 'run_direct']);
    expect(byAddJobs).toMatchObject({
      task_identifier: RUN_TASK,
      payload: { runId: 'run_by_add_jobs', attempt: 0 },
      due: true,
      attempts: 0,
      key: null,
      is_available: true,
    });
    expect({ ...direct, payload: undefined }).toEqual({ ...byAddJobs, payload: undefined });
    expect(direct?.payload).toEqual({ runId: 'run_direct', attempt: 0 });
  });

  it('sends one jobs:insert notification per batch with its count, and none for an empty batch', async () => {
    const listener = new pg.Client({ connectionString: database().pool.options.connectionString });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(`${n.channel} ${n.payload ?? ''}`));
    try {
      await listener.query('listen "jobs:insert"; listen "test:sentinel"');
      const client = await database().pool.connect();
      try {
        expect(await queue(client, 'direct', ['run_n1', 'run_n2', 'run_n3'])).toBe(3);
        expect(await queue(client, 'direct', [])).toBe(0);
        // Notifications arrive in commit order: once the sentinel is heard, so would have been
        // one sent for the empty batch.
        await client.query(`select pg_notify('test:sentinel', '')`);
      } finally {
        client.release();
      }
      await expect.poll(() => heard.length).toBe(2);
      expect(heard[0]).toMatch(/^jobs:insert \{"r":[0-9.e-]+,"count":3\}$/);
      expect(heard[1]).toBe('test:sentinel ');
    } finally {
      await listener.end();
    }
  });

  it("makes the run task's row again when graphile-worker's cleanup has deleted it, once when two batches race", async () => {
    const { pool } = database();
    // What graphile-worker's GC_TASK_IDENTIFIERS cleanup does to a task no job refers to.
    await pool.query(
      `delete from graphile_worker._private_jobs j using graphile_worker._private_tasks t
       where j.task_id = t.id and t.identifier = $1`,
      [RUN_TASK],
    );
    await pool.query('delete from graphile_worker._private_tasks where identifier = $1', [
      RUN_TASK,
    ]);
    const first = await pool.connect();
    const second = await pool.connect();
    try {
      // The first batch makes the task's row and has not committed when the second needs it.
      await first.query('begin');
      expect(await queue(first, 'direct', ['run_after_cleanup_1'])).toBe(1);
      const queued = queue(second, 'direct', ['run_after_cleanup_2']);
      await until(async () => (await lockWaiters(pool, 'run_jobs')) === 1);
      await first.query('commit');
      expect(await queued).toBe(1);
    } finally {
      first.release();
      second.release();
    }
    expect(await jobsOf(['run_after_cleanup_1', 'run_after_cleanup_2'])).toMatchObject([
      { task_identifier: RUN_TASK, payload: { runId: 'run_after_cleanup_1', attempt: 0 } },
      { task_identifier: RUN_TASK, payload: { runId: 'run_after_cleanup_2', attempt: 0 } },
    ]);
    const { rows } = await pool.query(
      'select count(*)::int as n from graphile_worker._private_tasks where identifier = $1',
      [RUN_TASK],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it("is run by graphile-worker's own worker with its payload", async () => {
    const { pool } = database();
    const client = await pool.connect();
    try {
      expect(await queue(client, 'direct', ['run_worked'])).toBe(1);
    } finally {
      client.release();
    }
    const payloads: RunJobPayload[] = [];
    await runOnce(
      { pgPool: pool, logger: createGraphileLogger(logger) },
      {
        [RUN_TASK]: async (payload) => {
          payloads.push(payload as RunJobPayload);
        },
      },
    );
    expect(payloads).toContainEqual({ runId: 'run_worked', attempt: 0 });
    // Done: removed from the queue (runOnce may settle before its batched completion is written).
    await until(async () => (await jobsOf(['run_worked'])).length === 0);
  });
});
