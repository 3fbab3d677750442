import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { hooksApi } from '../fixtures/connectors/hooks-api.js';
import { apiOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

interface Call {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: { url?: string; events?: string } | undefined;
}

/** The vendor: keeps registered hooks; `failNext` makes the next calls answer 503. */
async function startVendor() {
  const calls: Call[] = [];
  const hooks = new Map<string, string>();
  let failNext = 0;
  let serial = 0;
  const server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = text ? JSON.parse(text) : undefined;
      calls.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      res.setHeader('content-type', 'application/json');
      if (failNext > 0) {
        failNext -= 1;
        res.statusCode = 503;
        res.end(JSON.stringify({ error: 'maintenance, token vendor-token-1234 leaked?' }));
        return;
      }
      if (req.method === 'POST' && req.url === '/hooks') {
        serial += 1;
        hooks.set(`h${serial}`, body.url);
        res.statusCode = 201;
        res.end(JSON.stringify({ id: `h${serial}` }));
        return;
      }
      const id = /^\/hooks\/(\w+)$/.exec(req.url ?? '')?.[1];
      if (req.method === 'DELETE' && id && hooks.delete(id)) {
        res.statusCode = 204;
        res.end();
        return;
      }
      res.statusCode = 404;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    hooks,
    fail(n: number) {
      failNext = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

let vendor: Awaited<ReturnType<typeof startVendor>>;
let t: TestJunction;
let api: ReturnType<typeof apiOf>;

beforeAll(async () => {
  vendor = await startVendor();
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100' },
    { connectors: createStaticConnectorSource([hooksApi]) },
  );
  api = apiOf(t);
});
afterAll(async () => {
  await t?.close();
  await vendor?.close();
});

async function subscriptionOf(id: string, state: string) {
  return until(async () => {
    const got = await api.get(`/v1/integrations/${id}`);
    return got.body.subscription?.state === state ? got.body : undefined;
  }, 30_000);
}

async function audit(id: string) {
  const { rows } = await t.junction.database.pool.query(
    `select action, actor, data::text as data from audit_entries
      where subject_id = $1 and action like 'integration.subscription.%' order by seq`,
    [id],
  );
  return rows as { action: string; actor: string; data: string }[];
}

describe('webhook subscriptions', () => {
  it('registers the webhook on enable, moves it on rotation and removes it on disable, with audit', async () => {
    const connection = await api.post('/v1/connections', {
      name: 'Shop',
      connector: 'hooks-api',
      credentials: { token: 'vendor-token-1234' },
      settings: { baseUrl: vendor.url },
    });
    const created = await api.post('/v1/integrations', {
      name: 'Orders',
      trigger: {
        connector: 'hooks-api',
        trigger: 'order-created',
        connection: connection.body.id,
        settings: { events: 'order.*' },
      },
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'none', when: false }] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    expect(created.body.subscription).toBeNull();
    expect(vendor.calls).toEqual([]);

    const enabled = await api.post(`/v1/integrations/${id}/enable`, undefined, {
      'if-match': created.headers.get('etag') as string,
    });
    expect(enabled.status).toBe(200);
    const active = await subscriptionOf(id, 'active');
    expect(active.subscription).toMatchObject({
      connector: 'hooks-api',
      trigger: 'order-created',
      lastError: null,
      attempts: 0,
    });
    const firstUrl = `${t.url}${created.body.webhookPath}`;
    expect(vendor.calls).toEqual([
      {
        method: 'POST',
        path: '/hooks',
        authorization: 'Bearer vendor-token-1234',
        body: { url: firstUrl, events: 'order.*' },
      },
    ]);
    expect([...vendor.hooks.values()]).toEqual([firstUrl]);

    // A rotated webhook URL is registered anew and the old one removed.
    const rotated = await api.post(`/v1/integrations/${id}/webhook/rotate`);
    expect(rotated.status).toBe(200);
    const newUrl = `${t.url}${rotated.body.webhookPath}`;
    await until(async () => [...vendor.hooks.values()].join() === newUrl || undefined, 30_000);
    expect(vendor.calls.slice(1).map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /hooks/h1',
      'POST /hooks',
    ]);
    expect((await subscriptionOf(id, 'active')).subscription.attempts).toBe(0);

    const current = await api.get(`/v1/integrations/${id}`);
    const disabled = await api.post(`/v1/integrations/${id}/disable`, undefined, {
      'if-match': current.headers.get('etag') as string,
    });
    expect(disabled.status).toBe(200);
    await subscriptionOf(id, 'removed');
    expect(vendor.hooks.size).toBe(0);
    expect((await audit(id)).map((a) => [a.action, a.actor])).toEqual([
      ['integration.subscription.create', 'system'],
      ['integration.subscription.delete', 'system'],
      ['integration.subscription.create', 'system'],
      ['integration.subscription.delete', 'system'],
    ]);
    expect(JSON.stringify(await audit(id))).not.toContain('/hooks/');
    const stored = await t.junction.database.pool.query(
      'select url_fingerprint, data from webhook_subscriptions where integration_id = $1',
      [id],
    );
    expect(stored.rows).toEqual([{ url_fingerprint: null, data: null }]);
  }, 90_000);

  it('shows a failing registration with its redacted error and retries it until it works', async () => {
    const connection = await api.post('/v1/connections', {
      name: 'Flaky shop',
      connector: 'hooks-api',
      credentials: { token: 'vendor-token-1234' },
      settings: { baseUrl: vendor.url },
    });
    const created = await api.post('/v1/integrations', {
      name: 'Flaky orders',
      trigger: { connector: 'hooks-api', trigger: 'order-created', connection: connection.body.id },
      routes: [{ key: 'all', steps: [{ kind: 'filter', key: 'none', when: false }] }],
    });
    const id = created.body.id as string;
    vendor.fail(1);
    const before = vendor.calls.length;
    await api.post(`/v1/integrations/${id}/enable`, undefined, {
      'if-match': created.headers.get('etag') as string,
    });
    const failed = await subscriptionOf(id, 'failed');
    expect(failed.subscription.attempts).toBe(1);
    expect(failed.subscription.lastError).toMatch(/^subscribe: /);
    expect(failed.subscription.lastError).toContain('[REDACTED]');
    expect(failed.subscription.lastError).not.toContain('vendor-token-1234');
    const active = await subscriptionOf(id, 'active');
    expect(active.subscription).toMatchObject({ lastError: null, attempts: 0 });
    expect(vendor.calls.slice(before).map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /hooks',
      'POST /hooks',
    ]);
    expect((await audit(id)).map((a) => a.action)).toEqual(['integration.subscription.create']);
  }, 90_000);
});
