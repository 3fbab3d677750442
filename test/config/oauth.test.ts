import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defineConnector } from '@junction/connector-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { apiOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let tokenServer: http.Server;
const grants: URLSearchParams[] = [];
let issued = 0;
let refuse = false;

function oauthConnector(
  id: string,
  grant: 'clientCredentials' | 'authorizationCode',
  tokenUrl: string,
) {
  return defineConnector({
    id,
    name: id,
    description: 'OAuth 2.0 for tests',
    version: '1.0.0',
    contract: '^1.0.0',
    auth: {
      kind: 'oauth2',
      grant,
      tokenUrl,
      authorizeUrl: 'https://example.invalid/authorize',
      scopes: ['read'],
      test: async (ctx) =>
        String(ctx.credentials.accessToken ?? '').startsWith('access-')
          ? { ok: true }
          : {
              ok: false,
              reason: `no usable access token (${String(ctx.credentials.accessToken)})`,
            },
    },
  });
}

beforeAll(async () => {
  tokenServer = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const params = new URLSearchParams(body);
      grants.push(params);
      res.setHeader('content-type', 'application/json');
      if (refuse) {
        res.statusCode = 400;
        res.end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      issued += 1;
      res.end(
        JSON.stringify({
          access_token: `access-${issued}`,
          refresh_token: `refresh-${issued}`,
          expires_in: 3600,
          token_type: 'Bearer',
        }),
      );
    });
  });
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.1', r));
  const tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  t = await startTestJunction(
    {},
    {
      connectors: createStaticConnectorSource([
        oauthConnector('oauth-cc', 'clientCredentials', tokenUrl),
        oauthConnector('oauth-code', 'authorizationCode', tokenUrl),
      ]),
    },
  );
  api = apiOf(t);
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => tokenServer?.close(r));
});

describe('OAuth 2.0 connections: the platform keeps tokens fresh', () => {
  it('fetches a client-credentials token when needed, stores it encrypted, and reuses it until it expires', async () => {
    const created = await api.post('/v1/connections', {
      name: 'cc',
      connector: 'oauth-cc',
      credentials: { clientId: 'app', clientSecret: 'app-secret' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await api.post(`/v1/connections/${id}/test`)).body).toEqual({ ok: true, tested: true });
    expect(grants.at(-1)?.get('grant_type')).toBe('client_credentials');
    expect(grants.at(-1)?.get('client_secret')).toBe('app-secret');
    const calls = grants.length;
    expect((await api.post(`/v1/connections/${id}/test`)).body.ok).toBe(true);
    expect(grants.length).toBe(calls);
    const view = await api.get(`/v1/connections/${id}`);
    expect(view.body.secrets).toMatchObject({ accessToken: 'set', clientSecret: 'set' });
    expect(JSON.stringify(view.body)).not.toContain('access-');
  });

  it('refreshes an expired authorization-code token with its refresh token', async () => {
    const created = await api.post('/v1/connections', {
      name: 'code',
      connector: 'oauth-code',
      credentials: {
        clientId: 'app',
        clientSecret: 'app-secret',
        accessToken: 'expired-token',
        refreshToken: 'refresh-original',
        expiresAt: '2020-01-01T00:00:00.000Z',
      },
    });
    const id = created.body.id as string;
    expect((await api.post(`/v1/connections/${id}/test`)).body).toEqual({ ok: true, tested: true });
    expect(grants.at(-1)?.get('grant_type')).toBe('refresh_token');
    expect(grants.at(-1)?.get('refresh_token')).toBe('refresh-original');
    const row = await t.junction.services.connections.get(id);
    const stored = t.junction.services.connections.credentialsOf(row!);
    expect(stored.accessToken).toMatch(/^access-/);
    expect(Date.parse(String(stored.expiresAt))).toBeGreaterThan(Date.now());
    const { rows } = await t.junction.database.pool.query(
      `select data::text as d from audit_entries where action = 'connection.token.refresh' and subject_id = $1`,
      [id],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].d).not.toContain('access-');
  });

  it('reports a refused refresh as a failed test, changing nothing', async () => {
    const created = await api.post('/v1/connections', {
      name: 'refused',
      connector: 'oauth-code',
      credentials: {
        clientId: 'app',
        clientSecret: 'x',
        accessToken: 'old',
        refreshToken: 'revoked',
        expiresAt: '2020-01-01T00:00:00.000Z',
      },
    });
    refuse = true;
    try {
      const res = await api.post(`/v1/connections/${created.body.id}/test`);
      expect(res.body).toMatchObject({
        ok: false,
        tested: true,
        reason: expect.stringMatching(/invalid_grant/),
      });
      const row = await t.junction.services.connections.get(created.body.id);
      expect(t.junction.services.connections.credentialsOf(row!).accessToken).toBe('old');
    } finally {
      refuse = false;
    }
  });
});
