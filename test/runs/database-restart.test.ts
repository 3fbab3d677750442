import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signHmacHex } from '@junction/connector-kit';
import { createLogger, startEmbeddedPostgres } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf } from '../support/api.js';
import { startFakeTarget } from '../support/fake-target.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { CRM_KEY, createCustomerIntegration, deliver, settled } from './operations-support.js';

// Junction (API and worker in one process) on a PostgreSQL server of its own, which the test
// stops and starts again while events are waiting to run.
const logger = createLogger('silent');
let dataDir: string;
let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
let t: TestJunction;
let target: Awaited<ReturnType<typeof startFakeTarget>>;
let hook: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-db-restart-'));
  server = await startEmbeddedPostgres({ dataDir, logger });
  target = await startFakeTarget();
  t = await startTestJunction(
    { DATABASE_URL: server.url, JUNCTION_DATA_DIR: dataDir },
    { connectors: createStaticConnectorSource([crm, targetApi]) },
  );
  ({ hook } = await createCustomerIntegration(apiOf(t), {
    name: 'Restart',
    targetUrl: target.url,
    retry: { maxAttempts: 10, initialDelaySeconds: 1, maxDelaySeconds: 2 },
  }));
}, 120_000);

afterAll(async () => {
  await t?.close();
  await server?.stop();
  await target?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A signed delivery of one customer change, answered as it comes (no status expected). */
function send(id: string) {
  const body = JSON.stringify({ id, name: `customer ${id}`, country: 'FR', updated_at: id });
  return fetch(`${t.url}${hook}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature': signHmacHex({ secret: CRM_KEY, payload: body }),
    },
    body,
  });
}

describe('PostgreSQL restarting under a running Junction', () => {
  it('loses no acknowledged event, refuses webhooks while down, and recovers by itself', async () => {
    const before = await deliver(t, hook, { id: 'A', name: 'Ada', country: 'FR' });
    const first = await settled(t, before);
    expect(first.state, JSON.stringify(first.last_error)).toBe('succeeded');

    // B is acknowledged, and its first attempt fails: it waits for a retry when the server stops.
    target.failNext({ status: 503 });
    const waiting = await deliver(t, hook, { id: 'B', name: 'Bob', country: 'DE' });
    await settled(t, waiting, ['failed']);

    await server.stop();
    const refused = await send('C');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    const problem = (await refused.json()) as { status: number; detail: string };
    expect(problem.status).toBe(503);
    expect(problem.detail).toMatch(/database/i);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(503);
    const listing = await t.request('/v1/runs');
    expect(listing.status).toBe(503);
    expect(listing.headers.get('retry-after')).toBeTruthy();
    expect(((await listing.json()) as { detail: string }).detail).toMatch(/database/i);
    // Down for a while: longer than the worker's poll interval, heartbeat and B's retry delay.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    server = await startEmbeddedPostgres({ dataDir, logger, port: server.port });
    // Junction reconnects on its own: no restart of the process.
    await until(async () => (await fetch(`${t.url}/readyz`)).status === 200, 60_000);

    // The event acknowledged before the restart runs to the end, once.
    expect((await settled(t, waiting)).state).toBe('succeeded');
    // The sender retries the refused delivery: stored now, and only now.
    const resent = await send('C');
    expect(resent.status).toBe(202);
    const [stored] = ((await resent.json()) as { events: { id: string }[] }).events;
    expect((await settled(t, stored?.id as string)).state).toBe('succeeded');

    const numbers = [...target.customers.values()].map((c) => c.number).sort();
    expect(numbers).toEqual(['C-A', 'C-B', 'C-C']);
    const { rows } = await t.junction.database.pool.query<{ n: number }>(
      `select count(*)::int as n from events where data->>'id' = 'C'`,
    );
    expect(rows[0]?.n).toBe(1);
  }, 120_000);

  it('finishes a run whose step succeeded while the database was down, writing the record once', async () => {
    // The target is slow: it writes E's record and answers only once the server has stopped, so
    // the worker cannot store the step's outcome, nor even fail its job, until it is back.
    const held = target.holdNext();
    const event = await deliver(t, hook, { id: 'E', name: 'Eve', country: 'NL' });
    await held.arrived;
    await server.stop();
    held.answer();
    // Down for a while after the answer: the worker tries to store the step and fails.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    server = await startEmbeddedPostgres({ dataDir, logger, port: server.port });

    const run = await settled(t, event);
    expect(run.state, JSON.stringify(run.last_error)).toBe('succeeded');
    const written = [...target.customers.values()].filter((c) => c.number === 'C-E');
    expect(written).toHaveLength(1);
    // The step was sent again with its idempotency key, which the target answered with the
    // record it had made: one record, and the run's link names it.
    const posts = target.requests.filter((r) => r.method === 'POST' && r.body.number === 'C-E');
    expect(posts.length).toBeGreaterThanOrEqual(2);
    const { rows } = await t.junction.database.pool.query<{ target_id: string }>(
      `select target_id from record_links where source_id = 'E'`,
    );
    expect(rows.map((r) => r.target_id)).toEqual([written[0]?.id]);
  }, 120_000);

  // Last: it stops this Junction.
  it('stops when asked while the database is down and its worker pool has failed', async () => {
    const held = target.holdNext();
    await deliver(t, hook, { id: 'F', name: 'Fay', country: 'BE' });
    await held.arrived;
    await server.stop();
    held.answer();
    // The worker cannot store F's step: its pool fails, and waits for the database to replace it.
    await until(async () => (await t.junction.readiness()).checks.workers === 'failing', 30_000);
    // An operator stops Junction meanwhile: it stops (within the test's time), it does not hang.
    await t.close();
  }, 60_000);
});
