import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, pointersOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { createCrmConnection, deliver } from './operations-support.js';

/**
 * A customer API that serves 10 requests per second (a sliding second) and answers 429 with
 * Retry-After: 1 above that; a customer named "always-429" is always refused.
 */
async function startLimitedTarget(perSecond = 10) {
  const served: number[] = [];
  const answers: { at: number; status: number }[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const now = Date.now();
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      const recent = served.filter((t) => t > now - 1000).length;
      const status = body.name === 'always-429' || recent >= perSecond ? 429 : 201;
      answers.push({ at: now, status });
      if (status === 429) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        res.end('{"error":"slow down"}');
        return;
      }
      served.push(now);
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: `T-${served.length}`, number: body.number }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startLimitedTarget>>;
let crmConnection: string;

/** An enabled integration writing customers through a new target connection. */
async function integration(name: string, settings: Record<string, unknown>, retry: object) {
  const erp = await api.post('/v1/connections', {
    name: `ERP ${name}`,
    connector: 'test-target',
    credentials: { token: 'erp-token' },
    settings: { baseUrl: target.url, ...settings },
  });
  return createEnabledIntegration(api, {
    name,
    trigger: {
      connector: 'test-crm',
      trigger: 'customer-changed',
      connection: crmConnection,
      recordKey: 'id',
    },
    retry,
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'customer',
            connector: 'test-target',
            connection: erp.body.id,
            action: 'create-customer',
            mapping: {
              number: { cat: ['C-', { var: 'event.id' }] },
              name: { var: 'event.name' },
              country: 'FR',
            },
          },
        ],
      },
    ],
  });
}

/** Sends `count` events of distinct records at `perSecond`, then waits until none is unfinished. */
async function burst(hook: string, integrationId: string, count: number, perSecond: number) {
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSecond;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    await deliver(t, hook, { id: `${integrationId}-${i}`, name: `Customer ${i}`, country: 'FR' });
  }
  return until(async () => {
    const { rows } = await t.junction.database.pool.query(
      `select state, count(*)::int as n from runs where integration_id = $1 group by state`,
      [integrationId],
    );
    const counts = Object.fromEntries(rows.map((r) => [r.state, r.n]));
    const finished = (counts.succeeded ?? 0) + (counts.dead ?? 0);
    return finished === count ? counts : undefined;
  }, 60_000);
}

beforeAll(async () => {
  target = await startLimitedTarget();
  t = await startTestJunction({}, { connectors: createStaticConnectorSource([crm, targetApi]) });
  api = apiOf(t);
  crmConnection = await createCrmConnection(api);
}, 60_000);

afterAll(async () => {
  await t?.close();
  await target?.close();
});

describe('rate limits', () => {
  it('a 30/s burst into a 10/s target leaves no run dead: 429s defer without using the retry budget', async () => {
    // One attempt only: before, the first 429 of each run made it dead.
    const { id, hook } = await integration('no throttle', {}, { maxAttempts: 1 });
    const counts = await burst(hook, id, 30, 30);
    expect(counts).toEqual({ succeeded: 30 });
    expect(target.answers.some((a) => a.status === 429)).toBe(true);
    const { rows } = await t.junction.database.pool.query(
      'select max(deferrals) as most, max(attempts - deferrals) as counted from runs where integration_id = $1',
      [id],
    );
    expect(rows[0].most).toBeGreaterThan(0);
    expect(rows[0].counted).toBe(1);
  }, 90_000);

  it('spaces the calls through a connection to its rate limit, shared in PostgreSQL: the burst queues instead of meeting 429s', async () => {
    // A target of its own: the first test's last calls still count in the other's second.
    await target.close();
    target = await startLimitedTarget();
    const before = target.answers.length;
    const { id, hook } = await integration(
      'throttled',
      { rateLimit: { requests: 10, perSeconds: 1 } },
      { maxAttempts: 1 },
    );
    const counts = await burst(hook, id, 30, 30);
    expect(counts).toEqual({ succeeded: 30 });
    const answers = target.answers.slice(before);
    // Calls are spaced 100 ms apart: the target never has to refuse one.
    expect(answers.filter((a) => a.status === 429)).toEqual([]);
    expect(answers).toHaveLength(30);
    const throttled = await t.junction.database.pool.query(
      'select sum(deferrals)::int as n from runs where integration_id = $1',
      [id],
    );
    expect(throttled.rows[0].n).toBeGreaterThan(0); // deferred by Junction's own throttle
  }, 90_000);

  it('a sustained rate limit ends a run only at its time budget, as "time budget exhausted"', async () => {
    const { id, hook } = await integration('budget', {}, { maxAttempts: 1, maxElapsedSeconds: 3 });
    const eventId = await deliver(t, hook, { id: `${id}-x`, name: 'always-429', country: 'FR' });
    const run = await until(async () => {
      const { rows } = await t.junction.database.pool.query(
        'select * from runs where event_id = $1',
        [eventId],
      );
      return rows[0]?.state === 'dead' ? rows[0] : undefined;
    }, 30_000);
    expect(run.outcome).toBe('time budget exhausted');
    expect(run.deferrals).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

/** A customer API whose calls take `delayMs` each; it records the most calls it had at once. */
async function startSlowTarget(delayMs: number) {
  let inFlight = 0;
  let most = 0;
  let served = 0;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      inFlight++;
      most = Math.max(most, inFlight);
      setTimeout(() => {
        inFlight--;
        served++;
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `T-${served}`, number: body.number }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    most: () => most,
    served: () => served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('concurrency per connection', () => {
  it('keeps at most `concurrency` calls in flight through a connection across two Junction processes; the excess defers and no run dies', async () => {
    const slow = await startSlowTarget(200);
    // A second Junction on the same database: its workers share the connection's slots.
    const second = await startTestJunction(
      { DATABASE_URL: t.database.url, JUNCTION_WORKER_CONCURRENCY: '8' },
      { connectors: createStaticConnectorSource([crm, targetApi]) },
    );
    try {
      const { id, hook } = await integration(
        'two at a time',
        { baseUrl: slow.url, rateLimit: { concurrency: 2 } },
        { maxAttempts: 1 },
      );
      const counts = await burst(hook, id, 20, 100);
      expect(counts).toEqual({ succeeded: 20 });
      expect(slow.served()).toBe(20);
      expect(slow.most()).toBe(2);
      const { rows } = await t.junction.database.pool.query(
        'select sum(deferrals)::int as deferred, max(attempts - deferrals) as counted from runs where integration_id = $1',
        [id],
      );
      expect(rows[0].deferred).toBeGreaterThan(0);
      expect(rows[0].counted).toBe(1);
    } finally {
      await second.close();
      await slow.close();
    }
  }, 90_000);
});

describe('settings.rateLimit of a connection', () => {
  it('refuses a malformed rateLimit at save with a pointer to the field at fault, changing nothing', async () => {
    const cases: [unknown, string][] = [
      [{ requests: 0, perSeconds: 1 }, '/settings/rateLimit/requests'],
      [{ requests: 10 }, '/settings/rateLimit/perSeconds'],
      [{ perSeconds: 1 }, '/settings/rateLimit/requests'],
      [{ concurrency: 1.5 }, '/settings/rateLimit/concurrency'],
      [{ concurrency: 'two' }, '/settings/rateLimit/concurrency'],
      [{ concurency: 2 }, '/settings/rateLimit/concurency'],
      [{}, '/settings/rateLimit'],
      ['10/s', '/settings/rateLimit'],
    ];
    const count = async () =>
      (await t.junction.database.pool.query('select count(*)::int as n from connections')).rows[0]
        .n;
    const before = await count();
    for (const [rateLimit, pointer] of cases) {
      const res = await api.post('/v1/connections', {
        name: 'bad limit',
        connector: 'test-target',
        credentials: { token: 'erp-token' },
        settings: { baseUrl: target.url, rateLimit },
      });
      expect(pointersOf(res, 422), JSON.stringify(rateLimit)).toEqual([pointer]);
    }
    expect(await count()).toBe(before);

    const good = await api.post('/v1/connections', {
      name: 'good limit',
      connector: 'test-target',
      credentials: { token: 'erp-token' },
      settings: { baseUrl: target.url, rateLimit: { concurrency: 3 } },
    });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
    const patched = await api.patch(
      `/v1/connections/${good.body.id}`,
      { settings: { baseUrl: target.url, rateLimit: { requests: 5, perSeconds: -1 } } },
      { 'if-match': good.headers.get('etag') as string },
    );
    expect(pointersOf(patched, 422)).toEqual(['/settings/rateLimit/perSeconds']);
    const stored = await api.get(`/v1/connections/${good.body.id}`);
    expect(stored.body.settings.rateLimit).toEqual({ concurrency: 3 });
  });
});
