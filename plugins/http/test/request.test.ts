import { readFile } from 'node:fs/promises';
import {
  AuthError,
  type Credentials,
  InvalidInputError,
  RateLimitedError,
  RetryableError,
  validateConnector,
} from '@junction/connector-kit';
import {
  checkSamples,
  createTestContext,
  runActionForTest,
  startTestServer,
  type TestServer,
  type TestServerResponse,
} from '@junction/connector-kit/testing';
import { afterEach, describe, expect, it } from 'vitest';
import connector, { webhookSettingsFields } from '../src/index.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(answers: (TestServerResponse | (() => Promise<TestServerResponse>))[]) {
  let i = 0;
  server = await startTestServer(async () => {
    const answer = answers[Math.min(i++, answers.length - 1)] ?? { status: 200 };
    return typeof answer === 'function' ? answer() : answer;
  });
  return server;
}

function call(input: Record<string, unknown>, credentials: Credentials = { authKind: 'none' }) {
  const ctx = createTestContext({
    auth: connector.auth,
    credentials,
    baseUrl: `${server?.url}/api`,
    idempotencyKey: 'step-key-1',
  });
  return runActionForTest(connector, 'request', input, ctx);
}

describe('http connector definition', () => {
  it('passes validateConnector with zero problems and its samples match its fields', () => {
    expect(validateConnector(connector)).toEqual([]);
    expect(checkSamples(connector)).toEqual([]);
  });

  it('README names every trigger, action, credential field and setting', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const names = [
      ...(connector.triggers ?? []).map((t) => t.key),
      ...(connector.actions ?? []).map((a) => a.key),
      ...Object.keys(connector.auth.kind === 'custom' ? connector.auth.fields : {}),
      ...Object.keys(webhookSettingsFields),
    ];
    expect(names.filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('request action', () => {
  it('sends any JSON value as the body: a string, an array, null', async () => {
    const s = await serve([
      { status: 200, body: 'null', headers: { 'content-type': 'application/json' } },
    ]);
    for (const body of ['plain', [1, { a: null }], null]) {
      const out = await call({ method: 'PUT', path: '/v', body });
      expect(out).toMatchObject({ status: 200, body: null });
      expect(s.requests.at(-1)?.body).toEqual(body);
    }
  });

  it('sends method, path, query, headers and a JSON body; returns status, headers and body', async () => {
    const s = await serve([{ status: 201, body: { id: 'c_1' }, headers: { 'x-trace': 't1' } }]);
    const out = await call({
      method: 'POST',
      path: '/contacts',
      query: [{ name: 'notify', value: 'yes' }],
      headers: [{ name: 'X-Team', value: 'sales' }],
      body: { email: 'ann@x.test', tags: ['a'] },
    });
    expect(out).toMatchObject({ status: 201, body: { id: 'c_1' } });
    expect(out.headers).toContainEqual({ name: 'x-trace', value: 't1' });
    const [req] = s.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/api/contacts',
      query: { notify: 'yes' },
      body: { email: 'ann@x.test', tags: ['a'] },
    });
    expect(req?.headers['x-team']).toBe('sales');
    expect(req?.headers['content-type']).toBe('application/json');
  });

  it('applies every auth kind', async () => {
    const s = await serve([{ status: 204 }]);
    const kinds: [
      Credentials,
      (r: NonNullable<TestServer['requests'][number]>) => unknown,
      unknown,
    ][] = [
      [{ authKind: 'none' }, (r) => r.headers.authorization, undefined],
      [
        {
          authKind: 'apiKey',
          apiKeyIn: 'header',
          apiKeyName: 'X-Api-Key',
          apiKeyPrefix: 'Key ',
          apiKey: 'k1',
        },
        (r) => r.headers['x-api-key'],
        'Key k1',
      ],
      [
        { authKind: 'apiKey', apiKeyIn: 'query', apiKeyName: 'api_key', apiKey: 'k2' },
        (r) => r.query.api_key,
        'k2',
      ],
      [
        { authKind: 'basic', username: 'ann', password: 'pw' },
        (r) => r.headers.authorization,
        `Basic ${Buffer.from('ann:pw').toString('base64')}`,
      ],
      [{ authKind: 'bearer', token: 't0k' }, (r) => r.headers.authorization, 'Bearer t0k'],
      [{ authKind: 'oauth2', accessToken: 'at_1' }, (r) => r.headers.authorization, 'Bearer at_1'],
    ];
    for (const [credentials, read, expected] of kinds) {
      const out = await call({ path: '/me' }, credentials);
      expect(out.status).toBe(204);
      const req = s.requests.at(-1);
      expect(req && read(req), JSON.stringify(credentials)).toBe(expected);
    }
  });

  it('refuses missing credentials with an AuthError before sending anything', async () => {
    const s = await serve([{ status: 200 }]);
    await expect(call({ path: '/me' }, { authKind: 'bearer' })).rejects.toBeInstanceOf(AuthError);
    expect(s.requests).toHaveLength(0);
  });

  it('honours 429 Retry-After, then succeeds', async () => {
    const s = await serve([
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: { ok: true } },
    ]);
    const started = Date.now();
    const out = await call({ method: 'POST', path: '/jobs', body: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(out.body).toEqual({ ok: true });
    expect(s.requests).toHaveLength(2);
  });

  it('a Retry-After too long to wait becomes RateLimitedError with retryAt', async () => {
    await serve([{ status: 429, headers: { 'retry-after': '120' } }]);
    const error = await call({ path: '/jobs' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const retryAt = (error as RateLimitedError).retryAt.getTime();
    expect(retryAt - Date.now()).toBeGreaterThan(100_000);
  });

  it('retries 5xx then succeeds for GET; POST is retried only with an idempotency key', async () => {
    const s = await serve([{ status: 503 }, { status: 502 }, { status: 200, body: [1, 2] }]);
    expect((await call({ path: '/items' })).body).toEqual([1, 2]);
    expect(s.requests).toHaveLength(3);
    await s.close();

    const once = await serve([{ status: 500 }, { status: 200 }]);
    await expect(call({ method: 'POST', path: '/orders', body: {} })).rejects.toBeInstanceOf(
      RetryableError,
    );
    expect(once.requests).toHaveLength(1);
    await once.close();

    const keyed = await serve([{ status: 500 }, { status: 200, body: { id: 'o_1' } }]);
    const out = await call({
      method: 'POST',
      path: '/orders',
      body: {},
      sendIdempotencyKey: true,
    });
    expect(out.body).toEqual({ id: 'o_1' });
    expect(keyed.requests.map((r) => r.headers['idempotency-key'])).toEqual([
      'step-key-1',
      'step-key-1',
    ]);
  });

  it('times out a slow answer per attempt and fails retryable after the retries', async () => {
    let release: () => void = () => {};
    const hang = new Promise<void>((resolve) => {
      release = resolve;
    });
    const s = await serve([
      async () => {
        await hang;
        return { status: 200 };
      },
    ]);
    const started = Date.now();
    const error = await call({ path: '/slow', timeoutMs: 200 }).catch((e: unknown) => e);
    release();
    expect(error).toBeInstanceOf(RetryableError);
    expect(String((error as Error).message)).toMatch(/timed out after 200 ms/);
    expect(s.requests).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('4xx answers are bad input (not retried); non-JSON answers come back as text', async () => {
    const s = await serve([{ status: 422, body: { error: 'email taken' } }]);
    const error = await call({ method: 'PUT', path: '/contacts/1', body: {} }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).status).toBe(422);
    expect(s.requests).toHaveLength(1);
    await s.close();
    await serve([{ status: 200, body: 'plain words', headers: { 'content-type': 'text/plain' } }]);
    expect(await call({ path: '/text' })).toMatchObject({ status: 200, bodyText: 'plain words' });
  });

  it('refuses other hosts, bad JSON and bad methods with a pointer, sending nothing', async () => {
    const s = await serve([{ status: 200 }]);
    const cases: [Record<string, unknown>, string][] = [
      [{ path: 'http://evil.test/steal' }, '/path'],
      [{ path: '//evil.test/steal' }, '/path'],
      // The body is any JSON value; the JSON-text field of contract 1.0 is gone.
      [{ path: '/x', bodyJson: '{}' }, '/bodyJson'],
      [{ path: '/x', method: 'TRACE' }, '/method'],
      [{ path: '/x', timeoutMs: 5 }, '/timeoutMs'],
    ];
    for (const [input, pointer] of cases) {
      const error = await call(input).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).problems[0]?.pointer).toBe(pointer);
    }
    expect(s.requests).toHaveLength(0);
  });

  it('test hook: accepted credentials pass, a 401 fails with the reason', async () => {
    await serve([{ status: 404 }, { status: 401, body: { error: 'bad token' } }]);
    const ctx = () =>
      createTestContext({
        auth: connector.auth,
        credentials: { authKind: 'bearer', token: 't' },
        baseUrl: server?.url,
        connection: { id: 'c', name: 'API', settings: { baseUrl: server?.url } },
      });
    expect(await connector.auth.test?.(ctx())).toEqual({ ok: true });
    const failed = await connector.auth.test?.(ctx());
    expect(failed?.ok).toBe(false);
  });

  it('test hook: a connection without baseUrl only receives webhooks, and its test says so, calling nothing', async () => {
    const ctx = createTestContext({
      auth: connector.auth,
      credentials: { authKind: 'none', webhookSecret: 's3cret' },
      connection: { id: 'c', name: 'CRM', settings: {} },
    });
    const result = await connector.auth.test?.(ctx);
    expect(result).toMatchObject({ ok: true, tested: false });
    expect(result?.ok && result.detail).toContain('only receives webhooks');
  });
});
