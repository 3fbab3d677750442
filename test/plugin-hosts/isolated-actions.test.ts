import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeHookedPlugin } from '../fixtures/hooked-plugin.js';
import { createFixtureRoot } from '../registry/plugin-fixtures.js';
import { apiOf } from '../support/api.js';
import { processAlive } from '../support/child-process.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let fixtures: Awaited<ReturnType<typeof createFixtureRoot>>;
let source: string;
/** The slow action's server: it answers each request when the test releases it. */
let held: http.Server;
let heldUrl = '';
const waiting: http.ServerResponse[] = [];

const query = async (text: string, values: unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever rows come back.
  (await t.junction.database.pool.query(text, values)).rows as Record<string, any>[];

/** An enabled integration whose one step calls the hooked plugin's `action` with `mapping`. */
async function integrationCalling(
  action: string,
  mapping: Record<string, unknown>,
  step: Record<string, unknown> = {},
) {
  const { hook } = await createEnabledIntegration(api, {
    name: `hooked ${action} ${Math.random()}`,
    trigger: {
      connector: 'http',
      trigger: 'webhook-received',
      connection: source,
      settings: { signatureScheme: 'none' },
    },
    retry: { maxAttempts: 1 },
    routes: [
      {
        key: 'all',
        steps: [{ kind: 'action', key: 'call', connector: 'hooked', action, mapping, ...step }],
      },
    ],
  });
  return hook;
}

/** Posts `body` to `hook` and waits for its run to reach one of `states`. */
async function runOf(hook: string, body: Record<string, unknown>, states: string[]) {
  const res = await t.request(hook, {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, nonce: Math.random() }),
  });
  expect(res.status).toBe(202);
  const { events } = (await res.json()) as { events: { id: string }[] };
  return until(async () => {
    const [run] = await query('select * from runs where event_id = $1', [events[0]?.id]);
    return run && states.includes(run.state) ? run : undefined;
  }, 30_000);
}

const isolated = () => t.junction.plugins.catalogue.getConnector('hooked')?.isolated !== undefined;

beforeAll(async () => {
  held = http.createServer((_req, res) => waiting.push(res));
  await new Promise<void>((resolve) => held.listen(0, '127.0.0.1', () => resolve()));
  heldUrl = `http://127.0.0.1:${(held.address() as net.AddressInfo).port}/`;
  fixtures = await createFixtureRoot();
  // The default step timeout is 500 ms here, so that an action's longer one shows.
  t = await startTestJunction({
    JUNCTION_STEP_TIMEOUT_MS: '500',
    JUNCTION_WAIT_SWEEP_MS: '100',
    JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
    // Trusted and isolated runs are compared: under the default isolation, whatever the run's.
    JUNCTION_PLUGIN_ISOLATION: 'installed',
  });
  api = apiOf(t);
  const dir = await writeHookedPlugin(fixtures.dir);
  const installed = await api.post('/v1/plugins', { source: { kind: 'folder', path: dir } });
  expect(installed.status, JSON.stringify(installed.body)).toBe(201);
  source = (
    await api.post('/v1/connections', {
      name: 'Hooks',
      connector: 'http',
      credentials: { authKind: 'none' },
    })
  ).body.id;
}, 60_000);

afterAll(async () => {
  for (const res of waiting) res.destroy();
  held?.close();
  await t?.close();
  await fixtures?.remove();
});

describe('an isolated action behaves as it does in-process', () => {
  for (const where of ['isolated', 'trusted'] as const) {
    it(`${where}: is given its own timeout for its input (timeoutMs), evaluated where its code runs`, async () => {
      if (where === 'trusted')
        expect((await api.post('/v1/plugins/hooked/versions/1.0.0/trust')).status).toBe(200);
      expect(isolated()).toBe(where === 'isolated');
      const hook = await integrationCalling('wait-declared', {
        ms: { var: 'event.body.ms' },
        timeoutMs: { var: 'event.body.timeoutMs' },
      });
      const longer = await runOf(hook, { ms: 1500, timeoutMs: 10_000 }, ['succeeded', 'dead']);
      expect(longer.state, JSON.stringify(longer.last_error)).toBe('succeeded');
      // An own timeout shorter than the default leaves the default.
      const shorter = await runOf(hook, { ms: 1500, timeoutMs: 100 }, ['succeeded', 'dead']);
      expect(shorter.state).toBe('dead');
      expect(shorter.last_error.message).toMatch(/did not finish within 500 ms/);
    });

    it(`${where}: is sent again only when idempotentWhen says so for this call`, async () => {
      expect(isolated()).toBe(where === 'isolated');
      const hook = await integrationCalling('send', { safe: { var: 'event.body.safe' } });
      // Idempotent for this input: its failure is an ordinary one (dead after its one attempt).
      const safe = await runOf(hook, { safe: true }, ['dead', 'unknown']);
      expect(safe.state).toBe('dead');
      expect(safe.last_error.message).toMatch(/hung up/);
      // Not idempotent: whether it took effect is unknown, and an operator decides.
      const unsafe = await runOf(hook, { safe: false }, ['dead', 'unknown']);
      expect(unsafe.state).toBe('unknown');
      expect(unsafe.last_error.kind).toBe('unknownOutcome');
      expect(unsafe.sending).toBe('all/call');
    });
  }

  it('isolated: a slow call through a host parks its run and resumes it with the answer', async () => {
    expect((await api.post('/v1/plugins/hooked/versions/1.0.0/distrust')).status).toBe(200);
    expect(isolated()).toBe(true);
    // Its own timeout: the call is held for as long as the test takes to look.
    const hook = await integrationCalling('slow', { url: heldUrl }, { timeoutMs: 60_000 });
    const parked = await runOf(hook, {}, ['waiting']);
    await until(async () => waiting.length > 0);
    const [wait] = await query('select kind, state from run_waits where run_id = $1', [parked.id]);
    expect(wait).toEqual({ kind: 'detached', state: 'waiting' });
    waiting.shift()?.end('answered late');
    const run = await until(async () => {
      const [row] = await query('select * from runs where id = $1', [parked.id]);
      return row && ['succeeded', 'dead'].includes(row.state) ? row : undefined;
    }, 30_000);
    expect(run.state).toBe('succeeded');
    const steps = await query(
      'select step_key, state, output from run_steps where run_id = $1 order by id',
      [parked.id],
    );
    expect(steps.map((s) => `${s.step_key}:${s.state}`)).toEqual([
      'call:waiting',
      'call:succeeded',
    ]);
    expect(steps[1]?.output).toEqual({ answer: 'answered late' });
    const [resumed] = await query('select state from run_waits where run_id = $1', [parked.id]);
    expect(resumed?.state).toBe('resumed');
  });

  it('stops the hosts of a version disabled or trusted at the next plugin sync: their processes are gone', async () => {
    const pid = async () => {
      const result = await t.junction.services.executor.execute({
        connector: t.junction.plugins.catalogue.getConnector('hooked', '1.0.0') as never,
        operation: { kind: 'action', action: 'whoami', input: {} },
        credentials: {},
        connection: { id: 'c', name: 'c' },
        idempotencyKey: 'k',
        timeoutMs: 20_000,
      });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      return (result as { output: { pid: number } }).output.pid;
    };
    const version = '/v1/plugins/hooked/versions/1.0.0';
    expect(isolated()).toBe(true);
    const first = await pid();
    expect(first).not.toBe(process.pid);
    expect((await api.post(`${version}/disable`)).status).toBe(200);
    await until(async () => !processAlive(first));
    expect((await api.post(`${version}/enable`)).status).toBe(200);
    const second = await pid();
    expect(processAlive(second)).toBe(true);
    expect((await api.post(`${version}/trust`)).status).toBe(200);
    await until(async () => !processAlive(second));
    expect(await pid()).toBe(process.pid);
    expect(t.junction.plugins.hosts.stats()['hooked@1.0.0']).toBeUndefined();
  });
});
