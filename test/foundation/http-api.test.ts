import http from 'node:http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

let t: TestJunction;

beforeAll(async () => {
  t = await startTestJunction({ JUNCTION_BODY_LIMIT_BYTES: '2048' });
});
afterAll(async () => {
  await t?.close();
});

async function tokenCount(): Promise<number> {
  const row = await t.junction.database.db
    .selectFrom('api_tokens')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function expectProblem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:junction:problem:/) });
  expect(typeof body.title).toBe('string');
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  return body;
}

describe('health and readiness', () => {
  it('answers /healthz and /readyz without a token', async () => {
    const health = await t.request('/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await t.request('/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', workers: 'ok' },
    });
  });
});

describe('OpenAPI document and reference', () => {
  it('serves a valid OpenAPI 3.1 document generated from the routes', async () => {
    const res = await t.request('/openapi.json', { token: null });
    expect(res.status).toBe(200);
    const document = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/healthz', '/readyz', '/v1/me', '/v1/tokens', '/v1/tokens/{id}']),
    );
  });

  it('describes every route it serves, except the documentation routes themselves', async () => {
    const res = await t.request('/openapi.json', { token: null });
    const document = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const described = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map(
          (m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
        ),
      ),
    );
    // The console's pages (/console) are HTML for people, not API: README's console section.
    const undocumented = (t.junction.app?.routes ?? [])
      .filter((r) => r.method !== 'ALL' && !r.path.startsWith('/console'))
      .filter((r) => !described.has(`${r.method} ${r.path}`))
      .map((r) => `${r.method} ${r.path}`);
    expect([...new Set(undocumented)].sort()).toEqual([
      'GET /docs',
      'GET /docs/assets/:file',
      'GET /openapi.json',
    ]);
  });

  it('serves the interactive reference at /docs with its assets, offline', async () => {
    const page = await t.request('/docs', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const html = await page.text();
    let scripts = '';
    for (const asset of html.matchAll(/(?:src|href)="(\/docs\/assets\/[^"]+)"/g)) {
      const res = await t.request(asset[1] as string, { token: null });
      expect(res.status).toBe(200);
      const text = await res.text();
      scripts += text;
      expect(text.length).toBeGreaterThan(asset[1]?.endsWith('start.js') ? 100 : 1000);
    }
    expect(scripts).toContain("url: '/openapi.json'");
  });
});

describe('errors are problem+json', () => {
  it('unknown route: 404', async () => {
    const body = await expectProblem(await t.request('/nope', { token: null }), 404);
    expect(body.detail).toContain('/nope');
  });

  it('wrong method: 405 with Allow', async () => {
    const res = await t.request('/healthz', { method: 'DELETE', token: null });
    await expectProblem(res, 405);
    expect(res.headers.get('allow')).toContain('GET');
  });

  it('malformed JSON: 400, nothing written', async () => {
    const before = await tokenCount();
    const res = await t.request('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x",',
    });
    const body = await expectProblem(res, 400);
    expect(body.detail).toMatch(/not valid JSON/);
    expect(await tokenCount()).toBe(before);
  });

  it('validation: 422 with a JSON pointer per problem, nothing written', async () => {
    const before = await tokenCount();
    const res = await t.request('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: '', role: 'boss', colour: 'red' }),
    });
    const body = await expectProblem(res, 422);
    const pointers = (body.errors as { pointer: string; in: string }[]).map((e) => e.pointer);
    expect(pointers.sort()).toEqual(['/colour', '/name', '/role']);
    expect(await tokenCount()).toBe(before);
  });

  it('bad query parameter: 422 naming it', async () => {
    const body = await expectProblem(await t.request('/v1/tokens?limit=abc'), 422);
    expect(body.errors).toEqual([expect.objectContaining({ in: 'query', pointer: '/limit' })]);
  });

  it('body over the limit: 413 with Content-Length, nothing written', async () => {
    const before = await tokenCount();
    const res = await t.request('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(5000), role: 'viewer' }),
    });
    await expectProblem(res, 413);
    expect(await tokenCount()).toBe(before);
  });

  it('body over the limit: 413 when sent chunked, nothing written', async () => {
    const before = await tokenCount();
    const { status, contentType } = await new Promise<{ status: number; contentType: string }>(
      (resolve, reject) => {
        const req = http.request(
          `${t.url}/v1/tokens`,
          {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: 'Bearer test-admin-token-0123456789abcdef',
              'transfer-encoding': 'chunked',
            },
          },
          (res) => {
            res.resume();
            resolve({
              status: res.statusCode ?? 0,
              contentType: String(res.headers['content-type']),
            });
          },
        );
        req.on('error', reject);
        req.write('{"name": "');
        for (let i = 0; i < 10; i++) req.write('y'.repeat(500));
        req.end('", "role": "viewer"}');
      },
    );
    expect(status).toBe(413);
    expect(contentType).toBe('application/problem+json');
    expect(await tokenCount()).toBe(before);
  });
});

describe('bearer tokens on /v1', () => {
  it('refuses a request without a token or with a wrong one, writing nothing', async () => {
    const before = await tokenCount();
    const create = { method: 'POST', headers: { 'content-type': 'application/json' } };
    const body = JSON.stringify({ name: 'sneaky', role: 'admin' });
    const none = await t.request('/v1/tokens', { ...create, body, token: null });
    await expectProblem(none, 401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await expectProblem(await t.request('/v1/tokens', { ...create, body, token: 'wrong' }), 401);
    await expectProblem(
      await t.request('/v1/me', { headers: { authorization: 'Basic abc' }, token: null }),
      401,
    );
    expect(await tokenCount()).toBe(before);
  });

  it('creates, lists with cursors, uses and revokes tokens', async () => {
    const created: { id: string; token: string }[] = [];
    for (const name of ['a', 'b', 'c']) {
      const res = await t.request('/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name, role: 'viewer' }),
      });
      expect(res.status).toBe(201);
      created.push((await res.json()) as { id: string; token: string });
    }
    const viewer = created[0] as { id: string; token: string };
    const me = await t.request('/v1/me', { token: viewer.token });
    expect(await me.json()).toEqual({
      id: viewer.id,
      name: 'a',
      role: 'viewer',
      integrations: null,
    });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Response = await t.request(
        `/v1/tokens?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      const body = (await page.json()) as { data: { id: string }[]; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((d) => d.id));
      expect(JSON.stringify(body)).not.toContain('token_hash');
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(created.map((c) => c.id)));

    const forbidden = await t.request('/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'escalate', role: 'admin' }),
      token: viewer.token,
    });
    const before = await tokenCount();
    await expectProblem(forbidden, 403);
    expect(await tokenCount()).toBe(before);

    const revoked = await t.request(`/v1/tokens/${viewer.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    await expectProblem(await t.request('/v1/me', { token: viewer.token }), 401);
    await expectProblem(await t.request('/v1/tokens/tok_missing', { method: 'DELETE' }), 404);
  });

  it('rejects a cursor it did not issue', async () => {
    const body = await expectProblem(await t.request('/v1/tokens?cursor=garbage'), 400);
    expect(body.errors).toEqual([expect.objectContaining({ pointer: '/cursor' })]);
  });
});

describe('query parameters', () => {
  it('answers 400 for a parameter the route does not take, naming it, instead of ignoring it', async () => {
    const typo = await expectProblem(await t.request('/v1/runs?integraton=int_1&limit=5'), 400);
    expect(typo.detail).toContain('integraton');
    expect(typo.detail).toContain('integration'); // what the route does take
    expect(typo.errors).toEqual([
      { in: 'query', pointer: '/integraton', detail: 'unknown query parameter' },
    ]);
    const none = await expectProblem(await t.request('/v1/me?verbose=1'), 400);
    expect(none.detail).toContain('it takes none');
    expect((await t.request('/v1/runs?limit=5')).status).toBe(200);
    // Checked after authentication: without a token the answer is 401 as for any /v1 route.
    await expectProblem(await t.request('/v1/runs?integraton=x', { token: null }), 401);
  });
});
