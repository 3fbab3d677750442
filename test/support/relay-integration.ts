import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { apiOf } from './api.js';

/** One request a {@link startSlowTarget} received, and whether it answered it. */
export interface SlowTargetRequest {
  readonly body: Record<string, unknown>;
  answered: boolean;
}

/**
 * An API on loopback that answers every POST `{ ok: true }` after `delayMs`: a target whose
 * writes are in flight for a while, so that a test can stop Junction while steps run.
 */
export async function startSlowTarget(delayMs: number) {
  const requests: SlowTargetRequest[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const request: SlowTargetRequest = { body: raw ? JSON.parse(raw) : {}, answered: false };
      requests.push(request);
      setTimeout(() => {
        request.answered = true;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** How many requests carried the body field `id` equal to `id`. */
    received: (id: string) => requests.filter((r) => r.body.id === id).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Creates and enables an integration with the shipped `http` connector on both ends: an
 * unsigned webhook whose body is POSTed to `targetUrl` + `/relay`. Answers its webhook path.
 */
export async function createRelayIntegration(
  api: ReturnType<typeof apiOf>,
  targetUrl: string,
): Promise<string> {
  const source = await api.post('/v1/connections', {
    name: 'Relay source',
    connector: 'http',
    credentials: { authKind: 'none' },
  });
  const target = await api.post('/v1/connections', {
    name: 'Relay target',
    connector: 'http',
    credentials: { authKind: 'none' },
    settings: { baseUrl: targetUrl },
  });
  expect(target.status, JSON.stringify(target.body)).toBe(201);
  const created = await api.post(
    '/v1/integrations',
    relayDefinition(source.body.id, target.body.id),
  );
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
    'if-match': created.headers.get('etag') as string,
  });
  expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
  return enabled.body.webhookPath as string;
}

/**
 * An integration with the shipped `http` connector on both ends: an unsigned webhook on
 * connection `source` whose body is POSTed to `/relay` through connection `target`.
 */
export function relayDefinition(source: string, target: string, name = 'Relay') {
  return {
    name,
    trigger: {
      connector: 'http',
      trigger: 'webhook-received',
      connection: source,
      settings: { signatureScheme: 'none' },
      recordKey: 'body.id',
    },
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'relay',
            connector: 'http',
            connection: target,
            action: 'request',
            mapping: { method: 'POST', path: '/relay', body: { var: 'event.body' } },
          },
        ],
      },
    ],
  };
}
