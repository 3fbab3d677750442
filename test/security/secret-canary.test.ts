import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../support/api.js';
import { captureLogs } from '../support/log-capture.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { runOnWebhook } from './run-on-webhook.js';
import { CANARY, CANARY_USER, echoForms, reveals } from './secret-forms.js';

/**
 * A target that gives back every credential it is sent: in its answers' bodies and headers, in
 * error messages, encoded every way `echoForms` knows, split across JSON strings, in a 503's text.
 */
async function startEchoTarget(): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const url = req.url ?? '';
    seen.push(`${auth} ${url}`);
    const secret =
      new URL(url, 'http://x').searchParams.get('api_key') ??
      (auth.startsWith('Basic ')
        ? Buffer.from(auth.slice(6), 'base64').toString().split(':').slice(1).join(':')
        : auth.replace(/^Bearer /, ''));
    const echoed = Object.fromEntries(echoForms(secret));
    const path = url.split('?')[0];
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-echo': auth });
      res.end(JSON.stringify(body));
    };
    if (path === '/ok') return json(200, { headers: req.headers, url, echoed, secret });
    if (path === '/split') {
      const half = Math.floor(secret.length / 2);
      return json(200, { parts: [secret.slice(0, half), secret.slice(half)], note: 'split' });
    }
    if (path === '/bad' || path === '/test') {
      return json(path === '/test' ? 401 : 400, {
        message: `refused ${auth} at ${url}: ${Object.values(echoed).join(' | ')}`,
      });
    }
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(`upstream failed for ${auth} ${url} ${echoed['form-encoded body']}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, seen };
}

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let target: Awaited<ReturnType<typeof startEchoTarget>>;
const logs = captureLogs();
const connections: Record<string, string> = {};
const runIds: string[] = [];

const credentialsByKind: Record<string, Record<string, unknown>> = {
  bearer: { authKind: 'bearer', token: CANARY },
  basic: { authKind: 'basic', username: CANARY_USER, password: CANARY },
  apiKey: { authKind: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key', apiKey: CANARY },
};

/** An integration calling `paths` in turn through connection `kind`, and one event sent to it. */
async function runThrough(kind: string, paths: string[]): Promise<void> {
  const hook = (
    await api.post('/v1/connections', {
      name: `Hook ${kind} ${paths.join()}`,
      connector: 'http',
      credentials: { authKind: 'none' },
    })
  ).body.id;
  const run = await runOnWebhook(t, api, {
    name: `Echo ${kind} ${paths.join()}`,
    hook,
    id: `${kind}-${paths.join()}`,
    steps: paths.map((path, i) => ({
      kind: 'action',
      key: `call${i}`,
      connector: 'http',
      connection: connections[kind],
      action: 'request',
      mapping: { method: 'GET', path },
    })),
  });
  runIds.push(run.id);
}

beforeAll(async () => {
  target = await startEchoTarget();
  t = await startTestJunction(
    { JUNCTION_WORKER_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'trace' },
    { logger: createLogger('trace', logs.stream) },
  );
  api = apiOf(t);
  for (const [kind, credentials] of Object.entries(credentialsByKind)) {
    const created = await api.post('/v1/connections', {
      name: `Echo ${kind}`,
      connector: 'http',
      credentials,
      settings: { baseUrl: target.url, testPath: '/test' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    connections[kind] = created.body.id;
  }
  for (const kind of Object.keys(credentialsByKind)) {
    await runThrough(kind, ['/ok', '/split', '/bad']);
    await runThrough(kind, ['/down']);
  }
}, 120_000);
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => target?.server.close(resolve));
});

describe('a canary credential echoed by its target appears nowhere anyone can read', () => {
  it('reached the target, which echoed it back every way it could', () => {
    const everything = target.seen.join('\n');
    expect(reveals(everything, CANARY)).toBeDefined();
    expect(target.seen.length).toBeGreaterThanOrEqual(3 * 4);
  });

  it('is in no API answer, for any role', async () => {
    const answers: string[] = [];
    const tokens: Record<string, string | undefined> = { admin: undefined };
    for (const role of ['viewer', 'reviewer', 'operator', 'editor']) {
      const made = await api.post('/v1/tokens', { name: `canary ${role}`, role });
      expect(made.status, JSON.stringify(made.body)).toBe(201);
      tokens[role] = made.body.token;
    }
    const paths = [
      '/v1/runs?limit=100',
      ...runIds.map((id) => `/v1/runs/${id}`),
      '/v1/connections?limit=100',
      ...Object.values(connections).map((id) => `/v1/connections/${id}`),
      '/v1/integrations?limit=100',
      '/v1/audit?limit=500',
      '/metrics',
    ];
    for (const [role, token] of Object.entries(tokens)) {
      for (const path of paths) {
        const res = await t.request(path, token ? { token } : {});
        const text = `${[...res.headers].join(' ')}\n${await res.text()}`;
        answers.push(text);
        expect(reveals(text, CANARY), `${role} GET ${path}`).toBeUndefined();
      }
    }
    for (const id of Object.values(connections)) {
      const tested = await api.post(`/v1/connections/${id}/test`);
      expect(tested.body.ok).toBe(false);
      expect(tested.body.reason).toContain('HTTP 401');
      expect(reveals(JSON.stringify(tested.body), CANARY), 'test reason').toBeUndefined();
    }
    // The runs did fail with the target's words, redacted, and one step saw its echo.
    const all = answers.join('\n');
    expect(all).toContain('[REDACTED]');
    expect(all).toContain('HTTP 400: refused');
  });

  it('is in no log line, at any level', () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(1000);
    for (const line of text.split('\n')) {
      expect(reveals(line, CANARY), line.slice(0, 300)).toBeUndefined();
    }
  });

  it("is in no row of Junction's database but the encrypted secrets", async () => {
    const pool = t.junction.database.pool;
    const { rows: tables } = await pool.query<{ schema: string; name: string }>(
      `select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    expect(tables.map((r) => r.name)).toEqual(
      expect.arrayContaining(['runs', 'run_steps', 'audit_entries', 'connections']),
    );
    let rowsRead = 0;
    for (const { schema, name } of tables) {
      const { rows } = await pool.query<{ row: string }>(
        `select row_to_json(t)::text as row from "${schema}"."${name}" t`,
      );
      for (const { row } of rows) {
        rowsRead += 1;
        const readable =
          name === 'connections'
            ? row.replace(/"secrets":"\\\\x[0-9a-f]+"/, '"secrets":null')
            : row;
        expect(
          reveals(readable, CANARY),
          `${schema}.${name}: ${readable.slice(0, 300)}`,
        ).toBeUndefined();
      }
    }
    expect(rowsRead).toBeGreaterThan(20);
  });
});
