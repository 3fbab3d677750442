import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { asyncJobs, recorded } from '../fixtures/connectors/async-jobs.js';
import { apiOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { callBack, startJobsService } from '../support/jobs-service.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

const connectors = createStaticConnectorSource([asyncJobs]);
const env = { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', JUNCTION_WAIT_SWEEP_MS: '100' };
let t: TestJunction;
let service: Awaited<ReturnType<typeof startJobsService>>;
let exportsHook: string;
let countsHook: string;

beforeAll(async () => {
  service = await startJobsService();
  t = await startTestJunction(env, { connectors });
  const api = apiOf(t);
  const connection = await api.post('/v1/connections', {
    name: 'Jobs',
    connector: 'test-async',
    credentials: {},
    settings: { baseUrl: service.url },
  });
  expect(connection.status, JSON.stringify(connection.body)).toBe(201);
  const step = (key: string, action: string, mapping: Record<string, unknown>) => ({
    kind: 'action',
    key,
    connector: 'test-async',
    connection: connection.body.id,
    action,
    mapping,
  });
  const record = (from: unknown) =>
    step('record', 'record', { key: { var: 'event.id' }, value: from });
  exportsHook = await createIntegration('Exports', [
    step('export', 'start-export', {
      table: { var: 'event.table' },
      deadlineSeconds: { '??': [{ var: 'event.deadline' }, 60] },
      onTimeout: { '??': [{ var: 'event.onTimeout' }, 'fail'] },
    }),
    record({ var: 'steps.export' }),
  ]);
  countsHook = await createIntegration('Counts', [
    step('count', 'start-count', { table: { var: 'event.table' } }),
    record({ var: 'steps.count.rows' }),
  ]);

  async function createIntegration(name: string, steps: unknown[]): Promise<string> {
    const { hook } = await createEnabledIntegration(api, {
      name,
      trigger: {
        connector: 'test-async',
        trigger: 'job-requested',
        connection: connection.body.id,
      },
      retry: { maxAttempts: 2, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
      routes: [{ key: 'all', steps }],
    });
    return hook;
  }
});
afterAll(async () => {
  await t?.close();
  await service?.close();
});

const query = async (text: string, values: unknown[] = []) =>
  (await t.junction.database.pool.query(text, values)).rows;

/** Posts a job request; resolves with its run once the run is parked (and its callback URL). */
async function parkExport(id: string, extra: Record<string, unknown> = {}, hook = exportsHook) {
  const res = await t.request(hook, {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, table: `t-${id}`, ...extra }),
  });
  expect(res.status).toBe(202);
  const [run] = await until(async () => {
    const rows = await query(
      `select r.* from runs r join events e on e.id = r.event_id where e.dedupe_key = $1 and r.state = 'waiting'`,
      [id],
    );
    return rows.length ? rows : undefined;
  });
  const job = service.exports.find((e) => e.table === `t-${id}`);
  return { run, callbackUrl: job?.callbackUrl as string };
}

async function runState(runId: string, states: string[]) {
  return until(async () => {
    const [run] = await query('select * from runs where id = $1', [runId]);
    return states.includes(run.state) ? run : undefined;
  });
}

describe('asynchronous steps', () => {
  it('parks the run holding no job, and resumes it once when the callback arrives', async () => {
    const { run, callbackUrl } = await parkExport('a1');
    expect(callbackUrl).toMatch(/\/callbacks\/wt_[0-9a-f-]{36}\.[\w-]+$/);
    expect(run.outcome).toBe('waiting for a callback');
    // Nothing holds the run while it waits: its attempt's job is completed (graphile-worker
    // deletes it right after the attempt), and none is queued or locked for it.
    const jobsOf = async () =>
      (
        await query(
          `select count(*)::int as n from graphile_worker._private_jobs where payload->>'runId' = $1`,
          [run.id],
        )
      )[0].n as number;
    await until(async () => (await jobsOf()) === 0);
    expect((await query('select state from runs where id = $1', [run.id]))[0].state).toBe(
      'waiting',
    );
    const [wait] = await query('select * from run_waits where run_id = $1', [run.id]);
    expect(wait).toMatchObject({ kind: 'callback', state: 'waiting', step_key: 'export' });

    const first = await callBack(callbackUrl, {
      fileUrl: 'https://files.example.com/a1.csv',
      rows: 7,
    });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body).toEqual({ runId: run.id, state: 'queued' });
    const done = await runState(run.id, ['succeeded', 'dead']);
    expect(done.state).toBe('succeeded');
    expect(recorded.find((r) => r.key === 'a1')).toEqual({
      key: 'a1',
      value: { fileUrl: 'https://files.example.com/a1.csv', rows: 7 },
    });
    const steps = await query(
      'select step_key, state, attempt from run_steps where run_id = $1 order by id',
      [run.id],
    );
    expect(steps.map((s) => `${s.step_key}:${s.state}`)).toEqual([
      'export:waiting',
      'export:succeeded',
      'record:succeeded',
    ]);

    // Twice: refused, and nothing changes.
    const second = await callBack(callbackUrl, {
      fileUrl: 'https://files.example.com/other.csv',
      rows: 1,
    });
    expect(second.status).toBe(409);
    expect(second.headers.get('content-type')).toBe('application/problem+json');
    expect(recorded.filter((r) => r.key === 'a1')).toHaveLength(1);
    const audit = await query(
      `select actor, action from audit_entries where run_id = $1 and action = 'wait.resume'`,
      [run.id],
    );
    expect(audit).toEqual([{ actor: 'callback', action: 'wait.resume' }]);
  });

  it('refuses a forged or altered callback URL, and a body that does not fit the output, changing nothing', async () => {
    const { run, callbackUrl } = await parkExport('a2');
    const forged = await callBack(`${callbackUrl.slice(0, -4)}AAAA`, { fileUrl: 'x', rows: 1 });
    expect(forged.status).toBe(403);
    const otherId = callbackUrl.replace(/wt_[0-9a-f]{8}/, 'wt_00000000');
    expect((await callBack(otherId, { fileUrl: 'x', rows: 1 })).status).toBe(403);
    const bad = await callBack(callbackUrl, { fileUrl: 42 });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/fileUrl',
      '/rows',
    ]);
    const [still] = await query('select state from runs where id = $1', [run.id]);
    expect(still.state).toBe('waiting');
    const [wait] = await query('select state from run_waits where run_id = $1', [run.id]);
    expect(wait.state).toBe('waiting');
    // The URL still works once the body is right.
    expect((await callBack(callbackUrl, { fileUrl: 'f', rows: 2 })).status).toBe(202);
    expect((await runState(run.id, ['succeeded', 'dead'])).state).toBe('succeeded');
  });

  it('at the deadline follows the timeout policy; a callback after it is refused', async () => {
    const failing = await parkExport('a3', { deadline: 0.3 });
    const dead = await runState(failing.run.id, ['dead', 'succeeded']);
    expect(dead).toMatchObject({ state: 'dead', outcome: 'wait timed out' });
    const late = await callBack(failing.callbackUrl, { fileUrl: 'late', rows: 1 });
    expect(late.status).toBe(410);
    expect(recorded.find((r) => r.key === 'a3')).toBeUndefined();

    const continuing = await parkExport('a4', { deadline: 0.3, onTimeout: 'continue' });
    expect((await runState(continuing.run.id, ['dead', 'succeeded'])).state).toBe('succeeded');
    expect(recorded.find((r) => r.key === 'a4')?.value).toEqual({ fileUrl: 'none', rows: 0 });

    // retry: the step runs again (a new export, a new URL) while the retry budget lasts.
    const retrying = await parkExport('a5', { deadline: 0.3, onTimeout: 'retry' });
    await until(async () => service.exports.filter((e) => e.table === 't-a5').length === 2);
    const second = service.exports.filter((e) => e.table === 't-a5')[1];
    expect(second?.callbackUrl).not.toBe(retrying.callbackUrl);
    // maxAttempts is 2: the second deadline leaves the run dead.
    expect((await runState(retrying.run.id, ['dead', 'succeeded'])).state).toBe('dead');
  });

  it('an operator cancels a parked run: its callback URL is closed', async () => {
    const { run, callbackUrl } = await parkExport('a7');
    const cancelled = await apiOf(t).post(`/v1/runs/${run.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.state).toBe('cancelled');
    const late = await callBack(callbackUrl, { fileUrl: 'x', rows: 1 });
    expect(late.status).toBe(409);
    expect(recorded.find((r) => r.key === 'a7')).toBeUndefined();
  });

  it('polls a parked step on its schedule until the work is done', async () => {
    const res = await t.request(countsHook, {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'c1', table: 'orders' }),
    });
    expect(res.status).toBe(202);
    const [run] = await until(async () => {
      const rows = await query(
        `select r.* from runs r join events e on e.id = r.event_id where e.dedupe_key = 'c1' and r.state = 'succeeded'`,
      );
      return rows.length ? rows : undefined;
    });
    expect(recorded.find((r) => r.key === 'c1')?.value).toBe(42);
    expect([...service.polls.values()]).toEqual([2]);
    const [wait] = await query('select kind, state from run_waits where run_id = $1', [run.id]);
    expect(wait).toEqual({ kind: 'poll', state: 'resumed' });
  });

  it('resumes after a worker restart: the wait is in the database, not in a process', async () => {
    const { run, callbackUrl } = await parkExport('a6');
    const databaseUrl = t.database.url;
    await t.junction.close();
    // Another process (same database, same secret key) takes over; the URL names its address.
    const next = await startTestJunction({ ...env, DATABASE_URL: databaseUrl }, { connectors });
    try {
      const moved = callbackUrl.replace(t.url, next.url);
      const res = await callBack(moved, { fileUrl: 'after-restart', rows: 3 });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const done = await until(async () => {
        const [r] = (
          await next.junction.database.pool.query('select * from runs where id = $1', [run.id])
        ).rows;
        return r.state === 'succeeded' ? r : undefined;
      });
      expect(done.state).toBe('succeeded');
      expect(recorded.find((r) => r.key === 'a6')?.value).toEqual({
        fileUrl: 'after-restart',
        rows: 3,
      });
    } finally {
      await next.junction.close();
      // The first Junction's database is dropped by its own close below.
      t = { ...t, close: async () => t.database.drop() } as TestJunction;
    }
  });
});
