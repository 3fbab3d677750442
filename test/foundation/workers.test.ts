import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const script = path.join(repoRoot, 'test/fixtures/worker-process.mjs');
let database: TestDatabase;
let client: pg.Client;
const children: Child[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  await client.query(`
    create table test_job_starts (job_key text not null, worker text not null, at timestamptz default now());
    create table test_job_runs (job_key text not null, worker text not null, at timestamptz default now());
  `);
});

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await client?.end();
  await database?.drop();
});

function startWorker(name: string, env: Record<string, string> = {}): Child {
  const child = startNode([script], {
    DATABASE_URL: database.url,
    WORKER_NAME: name,
    JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    JUNCTION_DB_POOL_SIZE: '6',
    ...env,
  });
  children.push(child);
  return child;
}

async function addJob(payload: Record<string, unknown>): Promise<void> {
  await client.query(`select graphile_worker.add_job('test.record', $1::json, max_attempts := 5)`, [
    JSON.stringify(payload),
  ]);
}

async function rows(table: 'test_job_starts' | 'test_job_runs', key?: string) {
  const result = await client.query<{ job_key: string; worker: string }>(
    `select job_key, worker from ${table} ${key ? 'where job_key = $1' : ''}`,
    key ? [key] : [],
  );
  return result.rows;
}

async function until<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe('graceful shutdown', () => {
  it('lets a job that is running when SIGTERM arrives finish, then exits 0', async () => {
    const worker = startWorker('A', { JUNCTION_SHUTDOWN_TIMEOUT_MS: '15000' });
    await worker.waitFor(/ready/);
    await addJob({ key: 'finishes', ms: 1500 });
    await until(async () => (await rows('test_job_starts', 'finishes')).length > 0);
    worker.process.kill('SIGTERM');
    expect(await worker.exited()).toEqual({ code: 0, signal: null });
    expect(await rows('test_job_runs', 'finishes')).toEqual([{ job_key: 'finishes', worker: 'A' }]);
    const left = await client.query(
      `select count(*)::int as n from graphile_worker.jobs where task_identifier = 'test.record'`,
    );
    expect(left.rows[0].n).toBe(0);
  });

  it('releases a job still running at the deadline; another worker runs it, none is lost', async () => {
    const first = startWorker('A', { JUNCTION_SHUTDOWN_TIMEOUT_MS: '300' });
    await first.waitFor(/ready/);
    await addJob({ key: 'released', ms: 60_000, slowOn: 'A' });
    await until(async () => (await rows('test_job_starts', 'released')).length > 0);
    first.process.kill('SIGTERM');
    expect((await first.exited(10_000)).code).toBe(0);

    const job = await client.query(
      `select attempts, locked_by, last_error from graphile_worker.jobs where task_identifier = 'test.record'`,
    );
    expect(job.rows).toEqual([
      expect.objectContaining({
        attempts: 1,
        locked_by: null,
        last_error: expect.stringMatching(/shut down/),
      }),
    ]);
    expect(await rows('test_job_runs', 'released')).toEqual([]);

    const second = startWorker('B');
    await second.waitFor(/ready/);
    const done = await until(async () => {
      const r = await rows('test_job_runs', 'released');
      return r.length > 0 ? r : undefined;
    });
    expect(done).toEqual([{ job_key: 'released', worker: 'B' }]);
    second.process.kill('SIGTERM');
    expect((await second.exited()).code).toBe(0);
  });
});

describe('several worker processes on one database', () => {
  it('run jobs prefetched by a busy worker once they have waited the local queue TTL', async () => {
    await client.query('truncate test_job_starts, test_job_runs');
    // A has one slot and fetches up to 5 jobs at once: the slow job takes its slot for 20 s.
    const a = startWorker('A', {
      JUNCTION_WORKER_CONCURRENCY: '1',
      JUNCTION_WORKER_LOCAL_QUEUE_SIZE: '5',
      JUNCTION_WORKER_LOCAL_QUEUE_TTL_MS: '500',
    });
    await a.waitFor(/ready/);
    await client.query(
      `select graphile_worker.add_job('test.record', p::json, max_attempts := 5)
       from unnest($1::text[]) with ordinality as u(p, n) order by n`,
      [
        [
          { key: 'hol-slow', ms: 20_000, slowOn: 'A' },
          { key: 'hol-1' },
          { key: 'hol-2' },
          { key: 'hol-3' },
        ].map((p) => JSON.stringify(p)),
      ],
    );
    await until(async () => (await rows('test_job_starts', 'hol-slow')).length === 1);
    const b = startWorker('B');
    await b.waitFor(/ready/);
    // The three wait for A's slot no longer than the TTL: B runs them while A is still busy.
    await until(async () => (await rows('test_job_runs')).length === 3, 10_000);
    expect((await rows('test_job_runs')).map((r) => `${r.job_key} ${r.worker}`).sort()).toEqual([
      'hol-1 B',
      'hol-2 B',
      'hol-3 B',
    ]);
    expect(await rows('test_job_runs', 'hol-slow')).toEqual([]);
    for (const w of [a, b]) w.process.kill('SIGKILL');
    for (const w of [a, b]) await w.exited();
  });

  it('share a batch of jobs, each run exactly once', async () => {
    await client.query('truncate test_job_starts, test_job_runs');
    const workers = [startWorker('A'), startWorker('B')];
    await Promise.all(workers.map((w) => w.waitFor(/ready/)));
    const count = 200;
    await client.query(
      `select graphile_worker.add_job('test.record', json_build_object('key', 'job-' || i, 'ms', 5))
       from generate_series(1, $1) as i`,
      [count],
    );
    await until(async () => (await rows('test_job_runs')).length >= count);
    const runs = await rows('test_job_runs');
    expect(runs).toHaveLength(count);
    expect(new Set(runs.map((r) => r.job_key)).size).toBe(count);
    const byWorker = new Set(runs.map((r) => r.worker));
    expect([...byWorker].sort()).toEqual(['A', 'B']);
    for (const w of workers) w.process.kill('SIGTERM');
    for (const w of workers) expect((await w.exited()).code).toBe(0);
  });
});
