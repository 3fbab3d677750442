import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connector as ai } from '@junction/plugin-ai';
import {
  type ModelStandIn,
  type StandInAnswer,
  type StandInRequest,
  startModelStandIn,
} from '@junction/plugin-ai/stand-in';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { asyncJobs, recorded } from '../fixtures/connectors/async-jobs.js';
import { apiOf } from '../support/api.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import {
  startTestJunction,
  TEST_SECRET_KEY,
  type TestJunction,
} from '../support/start-junction.js';
import { until } from '../support/until.js';
import { createAiIntegrations, invoice } from './detached-support.js';

// Worker processes run the built dist (`npx tsc -b` first) with their fixture through tsx.
const script = path.join(repoRoot, 'test/fixtures/detached-worker-process.ts');
const connectors = createStaticConnectorSource([ai, asyncJobs]);
const workerEnv = { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', JUNCTION_WAIT_SWEEP_MS: '100' };

/** API only: the runs are executed by worker processes, or by workers started in a test. */
let t: TestJunction;
let model: ModelStandIn;
let answer: (request: StandInRequest) => Promise<StandInAnswer>;
let hook: string;
let sendHook: string;
let dataDir: string;
const children: Child[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-detached-'));
  model = await startModelStandIn({ respond: (request) => answer(request) });
  t = await startTestJunction({ JUNCTION_ROLE: 'api' }, { connectors });
  // The step's timeout (10 s: the worker is killed well before its call would time out) is the
  // detached call's deadline, with a few seconds of grace.
  ({ extract: hook, send: sendHook } = await createAiIntegrations(apiOf(t), model.url, {
    timeoutMs: 10_000,
  }));
}, 60_000);
afterAll(async () => {
  for (const child of children) child.process.kill('SIGKILL');
  await Promise.allSettled(children.map((c) => c.exited(10_000)));
  await t?.close();
  await model?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const query = async (text: string, values: unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever rows come back.
  (await t.junction.database.pool.query(text, values)).rows as Record<string, any>[];

async function post(id: string, to = hook): Promise<string> {
  const res = await t.request(to, {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, table: id }),
  });
  expect(res.status).toBe(202);
  const [run] = await until(async () => {
    const rows = await query(
      'select r.id from runs r join events e on e.id = r.event_id where e.dedupe_key = $1',
      [id],
    );
    return rows.length ? rows : undefined;
  });
  return run?.id as string;
}

function startWorkerProcess(): Child {
  const child = startNode(['--import', 'tsx', script], {
    ...workerEnv,
    DATABASE_URL: t.database.url,
    JUNCTION_SECRET_KEY: TEST_SECRET_KEY,
    JUNCTION_DATA_DIR: dataDir,
    JUNCTION_DB_POOL_SIZE: '5',
  });
  children.push(child);
  return child;
}

/** The run once it is parked on a detached call and its attempt's job is gone. */
const parked = (runId: string) =>
  until(async () => {
    const [row] = await query(
      `select r.state, w.kind, w.state as wait_state,
         (select count(*)::int from graphile_worker._private_jobs j where j.payload->>'runId' = r.id) as jobs
       from runs r join run_waits w on w.run_id = r.id where r.id = $1`,
      [runId],
    );
    return row?.state === 'waiting' && row.jobs === 0 ? row : undefined;
  }, 30_000);

const finished = (runId: string) =>
  until(async () => {
    const [row] = await query('select * from runs where id = $1', [runId]);
    return row && ['succeeded', 'dead', 'unknown'].includes(row.state) ? row : undefined;
  }, 60_000);

const requestsFor = (text: string) =>
  model.requests.filter((r) => r.messages[1]?.content === text).length;

describe('a detached call whose process stops', () => {
  it('killed (SIGKILL) with the call in flight: the run is retried after the deadline and completes once', async () => {
    // The first request is never answered (its process dies waiting); the next one at once.
    answer = async (request) => {
      const text = request.messages[1]?.content ?? '';
      if (requestsFor(text) === 1) await new Promise(() => {});
      return { content: invoice(text) };
    };
    const a = startWorkerProcess();
    await a.waitFor(/ready \d+/, 60_000);
    const runId = await post('k1');
    expect(await parked(runId)).toMatchObject({ kind: 'detached', wait_state: 'waiting' });
    expect(requestsFor('k1')).toBe(1);
    a.process.kill('SIGKILL');
    expect((await a.exited(10_000)).signal).toBe('SIGKILL');

    // Another worker: at the deadline the wait times out, its policy (the action is
    // idempotent) retries the run, and the new attempt asks the model again.
    const b = await startTestJunction(
      { ...workerEnv, JUNCTION_ROLE: 'worker', DATABASE_URL: t.database.url },
      { connectors },
    );
    try {
      const run = await finished(runId);
      expect(run.state).toBe('succeeded');
    } finally {
      await b.close();
    }
    expect(requestsFor('k1')).toBe(2);
    expect(recorded.filter((r) => r.key === 'k1')).toEqual([{ key: 'k1', value: invoice('k1') }]);
    const waits = await query('select kind, state, on_timeout from run_waits where run_id = $1', [
      runId,
    ]);
    expect(waits).toEqual([
      { kind: 'detached', state: 'timed-out', on_timeout: { kind: 'retry' } },
    ]);
    const steps = await query(
      'select step_key, state, attempt from run_steps where run_id = $1 order by id',
      [runId],
    );
    expect(steps.map((s) => `${s.step_key}:${s.state}:${s.attempt}`)).toEqual([
      'extract:waiting:1',
      'extract:failed:1',
      'extract:succeeded:2',
      'record:succeeded:2',
    ]);
    const timeouts = await query(
      `select actor from audit_entries where run_id = $1 and action = 'wait.timeout'`,
      [runId],
    );
    expect(timeouts).toEqual([{ actor: 'system' }]);
  }, 120_000);

  it('killed with a non-idempotent call in flight: at the deadline the run waits for an operator, nothing is sent again', async () => {
    const a = startWorkerProcess();
    await a.waitFor(/ready \d+/, 60_000);
    const runId = await post('hang:u1', sendHook);
    await parked(runId);
    a.process.kill('SIGKILL');
    expect((await a.exited(10_000)).signal).toBe('SIGKILL');
    const b = await startTestJunction(
      { ...workerEnv, JUNCTION_ROLE: 'worker', DATABASE_URL: t.database.url },
      { connectors },
    );
    try {
      const run = await finished(runId);
      expect(run).toMatchObject({ state: 'unknown', sending: 'all/send' });
      expect(run.last_error).toMatchObject({ kind: 'unknownOutcome', step: 'all/send' });
    } finally {
      await b.close();
    }
    const waits = await query('select state, on_timeout from run_waits where run_id = $1', [runId]);
    expect(waits).toEqual([
      { state: 'timed-out', on_timeout: { kind: 'unknown', step: 'all/send' } },
    ]);
    expect(recorded.filter((r) => r.key === 'hang:u1')).toEqual([]);
  }, 120_000);

  it('past JUNCTION_DETACHED_CALLS_MAX, a slow call holds its worker slot until it answers, as before', async () => {
    // Both calls are unanswered after a second (the model waits for both, then takes 1.5 s).
    answer = async (request) => {
      await until(async () => requestsFor('m1') + requestsFor('m2') === 2, 60_000).catch(() => {});
      return { content: invoice(request.messages[1]?.content ?? ''), delayMs: 1500 };
    };
    const worker = await startTestJunction(
      {
        ...workerEnv,
        JUNCTION_ROLE: 'worker',
        DATABASE_URL: t.database.url,
        JUNCTION_WORKER_CONCURRENCY: '2',
        JUNCTION_DETACHED_CALLS_MAX: '1',
      },
      { connectors },
    );
    try {
      const runs = [await post('m1'), await post('m2')];
      for (const runId of runs) expect((await finished(runId)).state).toBe('succeeded');
      const steps = await query(
        `select run_id, string_agg(step_key || ':' || state, ' ' order by id) as steps
         from run_steps where run_id = any($1) group by run_id`,
        [runs],
      );
      // One call was carried on detached (its run parked); the other, past the bound, was
      // awaited in its slot: its step succeeded in its first attempt without parking.
      expect(steps.map((s) => s.steps).sort()).toEqual([
        'extract:succeeded record:succeeded',
        'extract:waiting extract:succeeded record:succeeded',
      ]);
    } finally {
      await worker.close();
    }
  }, 120_000);

  it('stopped gracefully: shutdown waits for the call in flight and settles its step', async () => {
    let answerNow: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      answerNow = resolve;
    });
    answer = async (request) => {
      await held;
      return { content: invoice(request.messages[1]?.content ?? '') };
    };
    const worker = await startTestJunction(
      {
        ...workerEnv,
        JUNCTION_ROLE: 'worker',
        DATABASE_URL: t.database.url,
        JUNCTION_SHUTDOWN_TIMEOUT_MS: '30000',
      },
      { connectors },
    );
    const runId = await post('g1');
    await parked(runId);
    const closing = worker.close();
    // The model answers while the worker is stopping: its step is settled before it exits.
    answerNow();
    await closing;
    const [wait] = await query('select state from run_waits where run_id = $1', [runId]);
    expect(wait?.state).toBe('resumed');
    const [run] = await query('select state from runs where id = $1', [runId]);
    expect(run?.state).toBe('queued');
    const next = await startTestJunction(
      { ...workerEnv, JUNCTION_ROLE: 'worker', DATABASE_URL: t.database.url },
      { connectors },
    );
    try {
      expect((await finished(runId)).state).toBe('succeeded');
    } finally {
      await next.close();
    }
    expect(requestsFor('g1')).toBe(1);
  }, 120_000);
});
