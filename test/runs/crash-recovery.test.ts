import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf } from '../support/api.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import {
  startTestJunction,
  TEST_SECRET_KEY,
  type TestJunction,
} from '../support/start-junction.js';
import { until } from '../support/until.js';
import {
  createCrmConnection,
  createTargetConnection,
  createTargetIntegration,
  deliver,
} from './operations-support.js';

// Worker processes run the built dist: `npx tsc -b` first.
const script = path.join(repoRoot, 'test/fixtures/run-worker-process.mjs');
const DEAD_AFTER_MS = 1500;

let t: TestJunction;
let target: Awaited<ReturnType<typeof startHoldingTarget>>;
let dataDir: string;
let hook: string;
let connections: { crm: string; erp: string };
const children: Child[] = [];

/**
 * A customer API that creates the record as soon as a POST arrives (as a real server commits
 * before it answers) and honours Idempotency-Key; the first POST's answer is held until the
 * client goes away (or `answerHeld`), so the worker sending it dies mid-step with the record
 * already written.
 */
async function startHoldingTarget() {
  const customers = new Map<string, Record<string, unknown>>();
  const byKey = new Map<string, string>();
  const posts: { key: string | undefined; held: boolean }[] = [];
  const heldAnswers: (() => void)[] = [];
  let holdNext = true;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/customers') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      const key = req.headers['idempotency-key'] as string | undefined;
      const id = (key && byKey.get(key)) ?? `T-${customers.size + 1}`;
      if (key) byKey.set(key, id);
      customers.set(id, { ...body, id });
      const held = holdNext;
      holdNext = false;
      posts.push({ key, held });
      const answer = () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, number: body.number }));
      };
      if (held)
        heldAnswers.push(answer); // not answered yet: the caller may die waiting
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    customers,
    posts,
    /** Holds the answer to the next POST too. */
    holdNext() {
      holdNext = true;
    },
    /** Answers the held POSTs after all. */
    answerHeld() {
      for (const answer of heldAnswers.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function startWorkerProcess(env: Record<string, string> = {}): Child {
  const child = startNode([script], {
    DATABASE_URL: t.database.url,
    JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
    JUNCTION_DATA_DIR: dataDir,
    JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    JUNCTION_WORKER_HEARTBEAT_MS: '200',
    JUNCTION_WORKER_REAP_INTERVAL_MS: '300',
    JUNCTION_WORKER_DEAD_AFTER_MS: String(DEAD_AFTER_MS),
    JUNCTION_SHUTDOWN_TIMEOUT_MS: '2000',
    JUNCTION_DB_POOL_SIZE: '5',
    ...env,
  });
  children.push(child);
  return child;
}

const query = async (text: string, params: unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever rows come back.
  (await t.junction.database.pool.query(text, params)).rows as Record<string, any>[];

/** An enabled CRM-to-ERP integration whose one step calls `action`; answers its webhook path. */
const createIntegration = (action: string) =>
  createTargetIntegration(apiOf(t), { name: `CRM to ERP (${action})`, ...connections, action });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-crash-'));
  target = await startHoldingTarget();
  // This process only serves the API; runs are executed by the worker processes.
  t = await startTestJunction(
    { JUNCTION_ROLE: 'api' },
    { connectors: createStaticConnectorSource([crm, targetApi]) },
  );
  const api = apiOf(t);
  connections = {
    crm: await createCrmConnection(api),
    erp: await createTargetConnection(api, target.url),
  };
  hook = await createIntegration('create-customer');
}, 60_000);

afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.allSettled(children.map((c) => c.exited(10_000)));
  await t?.close();
  await target?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a worker process killed in the middle of a run', () => {
  it('has its run completed by another worker within 60 s, writing the target record once', async () => {
    const a = startWorkerProcess();
    const [, pidA] = (await a.waitFor(/ready (\d+)/, 60_000)) as RegExpMatchArray;

    const eventId = await deliver(t, hook, { id: '42', name: 'Ada', country: 'FR' });
    await until(async () => target.posts.length === 1, 30_000);

    // A holds the run: its heartbeat row names the pool that locked the job.
    const [held] = await query(
      `select j.locked_by, h.pid, r.state, r.id as run_id from runs r
       join graphile_worker._private_jobs j on j.payload->>'runId' = r.id and j.locked_by is not null
       join worker_heartbeats h on h.worker_pool_id = j.locked_by
       where r.event_id = $1`,
      [eventId],
    );
    expect(held).toMatchObject({ pid: Number(pidA), state: 'running' });

    const b = startWorkerProcess();
    const [, pidB] = (await b.waitFor(/ready (\d+)/, 60_000)) as RegExpMatchArray;

    const killedAt = Date.now();
    a.process.kill('SIGKILL');
    expect((await a.exited(10_000)).signal).toBe('SIGKILL');

    const run = await until(async () => {
      const [row] = await query('select * from runs where id = $1', [held?.run_id]);
      return row && ['succeeded', 'dead'].includes(row.state) ? row : undefined;
    }, 60_000);
    const recoveredMs = Date.now() - killedAt;
    expect(run.state).toBe('succeeded');
    expect(recoveredMs).toBeLessThan(60_000);
    console.info(`run recovered ${recoveredMs} ms after SIGKILL (dead after ${DEAD_AFTER_MS} ms)`);

    // Exactly one target record, asked for twice with the same Idempotency-Key.
    expect([...target.customers.values()]).toEqual([
      { id: 'T-1', number: 'C-42', name: 'Ada', country: 'FR' },
    ]);
    expect(target.posts).toHaveLength(2);
    expect(target.posts[1]?.key).toBe(target.posts[0]?.key);
    const steps = await query(
      'select state, attempt from run_steps where run_id = $1 order by id',
      [run.id],
    );
    expect(steps).toEqual([{ state: 'succeeded', attempt: 2 }]);
    expect(await query('select target_id from record_links')).toEqual([{ target_id: 'T-1' }]);

    // A's heartbeat is gone with its locks; B's is there while it runs, and gone after a clean stop.
    expect(await query('select pid from worker_heartbeats')).toEqual([{ pid: Number(pidB) }]);
    expect(
      await query('select 1 from graphile_worker.jobs where locked_by = $1', [held?.locked_by]),
    ).toEqual([]);
    b.process.kill('SIGTERM');
    expect((await b.exited(15_000)).code).toBe(0);
    expect(await query('select pid from worker_heartbeats')).toEqual([]);
  }, 120_000);

  it('at start, releases jobs of a pool that died before its first heartbeat', async () => {
    await query(
      `select graphile_worker.add_job('test.never-handled', '{}'::json, job_key := 'ghost')`,
    );
    await query(
      `update graphile_worker._private_jobs set locked_by = 'pool-ghost', locked_at = now() - interval '1 hour'
       where key = 'ghost'`,
    );
    // A job locked moments ago by an unknown pool may still be starting up: it is left alone.
    await query(
      `select graphile_worker.add_job('test.never-handled', '{}'::json, job_key := 'young')`,
    );
    await query(
      `update graphile_worker._private_jobs set locked_by = 'pool-young', locked_at = now() where key = 'young'`,
    );
    // Dead after 60 s here: 'young' stays locked however long the process takes to start.
    const c = startWorkerProcess({ JUNCTION_WORKER_DEAD_AFTER_MS: '60000' });
    await c.waitFor(/ready \d+/, 60_000);
    const jobs = await query(
      `select key, locked_by from graphile_worker.jobs where key in ('ghost', 'young') order by key`,
    );
    expect(jobs).toEqual([
      { key: 'ghost', locked_by: null },
      { key: 'young', locked_by: 'pool-young' },
    ]);
    c.process.kill('SIGTERM');
    expect((await c.exited(15_000)).code).toBe(0);
  }, 90_000);
});

describe('a worker process stopped in the middle of a run', () => {
  it('releases the run at its shutdown deadline; the next worker completes it, writing the record once', async () => {
    const a = startWorkerProcess({ JUNCTION_SHUTDOWN_TIMEOUT_MS: '300' });
    await a.waitFor(/ready \d+/, 60_000);
    target.holdNext();
    const posts = target.posts.length;
    const eventId = await deliver(t, hook, { id: '43', name: 'Grace', country: 'FR' });
    await until(async () => target.posts.length === posts + 1, 30_000);

    // The step's answer never comes: at the deadline the worker gives its job back and exits.
    // A clean stop removes its heartbeat, so no reaper is involved: the job itself returns.
    a.process.kill('SIGTERM');
    expect((await a.exited(15_000)).code).toBe(0);
    const [stopped] = await query(
      `select r.id, r.state, j.locked_by, j.last_error from runs r
       join graphile_worker._private_jobs j on (j.payload->>'runId') = r.id where r.event_id = $1`,
      [eventId],
    );
    expect(stopped).toMatchObject({
      state: 'running',
      locked_by: null,
      last_error: expect.stringMatching(/shut down before the job finished/),
    });

    // graphile-worker runs the job again after its backoff (about 3 s), on another worker; the
    // job takes back the run it had claimed.
    const b = startWorkerProcess();
    await b.waitFor(/ready \d+/, 60_000);
    const run = await until(async () => {
      const [row] = await query('select * from runs where id = $1', [stopped?.id]);
      return row && ['succeeded', 'dead'].includes(row.state) ? row : undefined;
    }, 30_000);
    expect(run).toMatchObject({ state: 'succeeded', attempts: 2 });
    const written = [...target.customers.values()].filter((c) => c.number === 'C-43');
    expect(written).toHaveLength(1);
    expect(target.posts).toHaveLength(posts + 2);
    expect(target.posts[posts + 1]?.key).toBe(target.posts[posts]?.key);
    expect(
      await query('select state, attempt from run_steps where run_id = $1 order by id', [run.id]),
    ).toEqual([{ state: 'succeeded', attempt: 2 }]);
    b.process.kill('SIGTERM');
    expect((await b.exited(15_000)).code).toBe(0);
  }, 90_000);
});

describe('a worker process killed while sending a non-idempotent step', () => {
  it('leaves the run waiting as unknown for an operator: the step is never sent a second time', async () => {
    const unkeyed = await createIntegration('create-customer-unkeyed');
    const a = startWorkerProcess();
    await a.waitFor(/ready \d+/, 60_000);
    target.holdNext();
    const posts = target.posts.length;
    const eventId = await deliver(t, unkeyed, { id: '45', name: 'Alan', country: 'GB' });
    await until(async () => target.posts.length === posts + 1, 30_000);
    a.process.kill('SIGKILL');
    expect((await a.exited(10_000)).signal).toBe('SIGKILL');

    // B takes the dead worker's run over, finds the step's send unsettled, and does not send it.
    const b = startWorkerProcess();
    await b.waitFor(/ready \d+/, 60_000);
    const run = await until(async () => {
      const [row] = await query('select * from runs where event_id = $1', [eventId]);
      return row?.state === 'unknown' ? row : undefined;
    }, 60_000);
    expect(run).toMatchObject({ attempts: 2, sending: 'all/customer', outcome: 'unknown outcome' });
    expect(run.last_error.message).toMatch(/ended without storing its outcome/);
    expect(target.posts).toHaveLength(posts + 1);
    expect([...target.customers.values()].filter((c) => c.number === 'C-45')).toHaveLength(1);
    b.process.kill('SIGTERM');
    expect((await b.exited(15_000)).code).toBe(0);
    expect(target.posts).toHaveLength(posts + 1);
  }, 120_000);
});

describe('a worker process frozen past the dead-after time (SIGSTOP, then SIGCONT)', () => {
  it('has its late writes refused and logged once it resumes, after another worker completed the run', async () => {
    const a = startWorkerProcess({ LOG_LEVEL: 'warn' });
    await a.waitFor(/ready \d+/, 60_000);
    target.holdNext();
    const posts = target.posts.length;
    const eventId = await deliver(t, hook, { id: '44', name: 'Edsger', country: 'NL' });
    await until(async () => target.posts.length === posts + 1, 30_000);

    // A freezes in the middle of the step; it is declared dead and B completes the run.
    a.process.kill('SIGSTOP');
    const b = startWorkerProcess();
    await b.waitFor(/ready \d+/, 60_000);
    const [{ id: runId } = { id: '' }] = await query('select id from runs where event_id = $1', [
      eventId,
    ]);
    const snapshot = async () => ({
      run: await query('select state, attempts, outcome, last_error from runs where id = $1', [
        runId,
      ]),
      steps: await query('select state, attempt, output from run_steps where run_id = $1', [runId]),
      audit: await query('select action, data from audit_entries where run_id = $1', [runId]),
      links: await query(`select target_id from record_links where source_id = '44'`),
    });
    await until(async () => (await snapshot()).run[0]?.state === 'succeeded', 60_000);
    const completed = await snapshot();
    expect(completed.run).toEqual([
      { state: 'succeeded', attempts: 2, outcome: null, last_error: null },
    ]);
    expect(completed.steps).toMatchObject([{ state: 'succeeded', attempt: 2 }]);

    // A resumes and gets the answer to its first send: its attempt 1 is stale, and its writes
    // (the step, the outcome) are refused and logged, never applied.
    target.answerHeld();
    a.process.kill('SIGCONT');
    await a.waitFor(/stale attempt's (step|outcome) was refused/, 30_000);
    expect(await snapshot()).toEqual(completed);
    expect([...target.customers.values()].filter((c) => c.number === 'C-44')).toHaveLength(1);

    for (const child of [a, b]) child.process.kill('SIGTERM');
    expect((await a.exited(15_000)).code).toBe(0);
    expect((await b.exited(15_000)).code).toBe(0);
  }, 120_000);
});

describe('heartbeat settings', () => {
  it('refuses intervals that are not whole numbers, and a dead-after that live workers could exceed', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    };
    expect(
      problems({ JUNCTION_WORKER_HEARTBEAT_MS: 'soon', JUNCTION_WORKER_REAP_INTERVAL_MS: '10' }),
    ).toEqual([
      'JUNCTION_WORKER_HEARTBEAT_MS must be a whole number; got "soon"',
      'JUNCTION_WORKER_REAP_INTERVAL_MS must be at least 50; got "10"',
    ]);
    expect(
      problems({ JUNCTION_WORKER_HEARTBEAT_MS: '5000', JUNCTION_WORKER_DEAD_AFTER_MS: '9000' }),
    ).toEqual([
      'JUNCTION_WORKER_DEAD_AFTER_MS must be more than twice JUNCTION_WORKER_HEARTBEAT_MS, or live workers are declared dead; got "9000"',
    ]);
    expect(loadConfig({})).toMatchObject({
      workerHeartbeatMs: 5000,
      workerReapIntervalMs: 10_000,
      workerDeadAfterMs: 30_000,
    });
  });
});
