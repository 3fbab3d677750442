import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, InvalidInputError, RateLimitedError, RetryableError } from './errors.js';
import { createHttpClient } from './http-client.js';
import { startTestServer, type TestServer } from './testing/start-test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('createHttpClient over a loopback server', () => {
  it('honours Retry-After in seconds on 429 and then succeeds', async () => {
    let calls = 0;
    server = await startTestServer(() =>
      ++calls === 1
        ? { status: 429, headers: { 'retry-after': '1' }, body: { error: 'slow down' } }
        : { status: 200, body: { ok: true } },
    );
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 1 });
    const started = Date.now();
    await expect(http.get('/items')).resolves.toEqual({ ok: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests).toHaveLength(2);
  });

  it('honours Retry-After as an HTTP date', async () => {
    let calls = 0;
    server = await startTestServer(() =>
      ++calls === 1
        ? { status: 503, headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() } }
        : { status: 200, body: [1] },
    );
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 1 });
    const started = Date.now();
    await expect(http.get('/x')).resolves.toEqual([1]);
    // HTTP dates have one-second precision.
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('throws RateLimitedError with retryAt instead of waiting past the cap', async () => {
    server = await startTestServer(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const http = createHttpClient({ baseUrl: server.url, maxRetryAfterMs: 1000 });
    const error = await http.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const retryAt = (error as RateLimitedError).retryAt.getTime();
    expect(retryAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(server.requests).toHaveLength(1);
  });

  it('retries 5xx with backoff then succeeds', async () => {
    let calls = 0;
    server = await startTestServer(() =>
      ++calls < 3 ? { status: 502, body: 'bad gateway' } : { status: 200, body: { n: calls } },
    );
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 5, retries: 3 });
    await expect(http.get('/x')).resolves.toEqual({ n: 3 });
  });

  it('gives up after the retries with a RetryableError carrying the status', async () => {
    server = await startTestServer(() => ({ status: 500, body: { message: 'boom' } }));
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 1, retries: 2 });
    const error = await http.get('/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).status).toBe(500);
    expect((error as Error).message).toContain('boom');
    expect(server.requests).toHaveLength(3);
  });

  it('does not repeat a POST on 5xx unless it is marked idempotent', async () => {
    server = await startTestServer(() => ({ status: 500 }));
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 1, retries: 2 });
    await expect(http.post('/x', { a: 1 })).rejects.toBeInstanceOf(RetryableError);
    expect(server.requests).toHaveLength(1);
    await expect(
      http.post('/x', { a: 1 }, { headers: { 'idempotency-key': 'k1' } }),
    ).rejects.toBeInstanceOf(RetryableError);
    expect(server.requests).toHaveLength(4);
  });

  it('times out a hanging request and retries it', async () => {
    let calls = 0;
    server = await startTestServer(async () => {
      if (++calls === 1) await new Promise((r) => setTimeout(r, 2000));
      return { status: 200, body: { calls } };
    });
    const http = createHttpClient({ baseUrl: server.url, timeoutMs: 200, backoffMs: 1 });
    await expect(http.get('/slow')).resolves.toEqual({ calls: 2 });
  });

  it('reports a timeout as RetryableError when retries run out', async () => {
    server = await startTestServer(async () => {
      await new Promise((r) => setTimeout(r, 2000));
      return { status: 200 };
    });
    const http = createHttpClient({ baseUrl: server.url, timeoutMs: 100, retries: 0 });
    await expect(http.get('/slow')).rejects.toThrow(/timed out after 100 ms/);
  });

  it('maps 401 to AuthError and 422 to InvalidInputError without retrying', async () => {
    server = await startTestServer((req) =>
      req.path === '/auth' ? { status: 401 } : { status: 422, body: { message: 'email taken' } },
    );
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 1 });
    await expect(http.get('/auth')).rejects.toBeInstanceOf(AuthError);
    const error = await http.post('/bad', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe('HTTP 422: email taken');
    expect(server.requests).toHaveLength(2);
  });

  it('injects each auth kind', async () => {
    server = await startTestServer(() => ({ status: 204 }));
    const url = server.url;
    await createHttpClient({
      baseUrl: url,
      auth: { kind: 'apiKey', in: 'header', name: 'X-Api-Key' },
      credentials: { apiKey: 'k1' },
    }).get('/');
    await createHttpClient({
      baseUrl: url,
      auth: { kind: 'apiKey', in: 'query', name: 'api_key' },
      credentials: { apiKey: 'k2' },
    }).get('/', { query: { a: 1 } });
    await createHttpClient({
      baseUrl: url,
      auth: { kind: 'basic' },
      credentials: { username: 'ann', password: 'pw' },
    }).get('/');
    await createHttpClient({
      baseUrl: url,
      auth: { kind: 'bearer' },
      credentials: { token: 't' },
    }).get('/');
    await createHttpClient({
      baseUrl: url,
      auth: { kind: 'oauth2', grant: 'clientCredentials', tokenUrl: `${url}/token`, scopes: [] },
      credentials: { accessToken: 'at' },
    }).get('/');
    const [apiKey, query, basic, bearer, oauth] = server.requests;
    expect(apiKey?.headers['x-api-key']).toBe('k1');
    expect(query?.query).toEqual({ a: '1', api_key: 'k2' });
    expect(basic?.headers.authorization).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
    expect(bearer?.headers.authorization).toBe('Bearer t');
    expect(oauth?.headers.authorization).toBe('Bearer at');
  });

  it('refuses to send without the credentials the auth needs', async () => {
    const http = createHttpClient({ baseUrl: 'http://127.0.0.1:9', auth: { kind: 'bearer' } });
    await expect(http.get('/')).rejects.toBeInstanceOf(AuthError);
  });

  it('stops on the caller abort signal during a backoff wait', async () => {
    server = await startTestServer(() => ({ status: 503 }));
    const controller = new AbortController();
    const http = createHttpClient({
      baseUrl: server.url,
      backoffMs: 5000,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    const started = Date.now();
    const error = await http.get('/').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('GET / was cancelled: shutting down');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("cancels one request on that request's signal, in flight or waiting to retry", async () => {
    let answer: (() => void) | undefined;
    let arrived: () => void = () => {};
    const reached = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server = await startTestServer((req) => {
      if (req.path !== '/slow') return { status: 503 };
      arrived();
      return new Promise((resolve) => {
        answer = () => resolve({ status: 200, body: { late: true } });
      });
    });
    const http = createHttpClient({ baseUrl: server.url, backoffMs: 5000, timeoutMs: 60_000 });
    const inFlight = new AbortController();
    const pending = http.get('/slow', { signal: inFlight.signal }).catch((e: unknown) => e);
    await reached;
    inFlight.abort(new Error('not needed any more'));
    const error = await pending;
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toBe('GET /slow was cancelled: not needed any more');
    answer?.();

    const waiting = new AbortController();
    setTimeout(() => waiting.abort(new Error('given up')), 100);
    const retried = await http.get('/busy', { signal: waiting.signal }).catch((e: unknown) => e);
    expect((retried as Error).message).toBe('GET /busy was cancelled: given up');
    expect(server.requests.map((r) => r.path)).toEqual(['/slow', '/busy']);
    // The client itself is not cancelled: its next request goes out.
    await expect(http.get('/slow', { retries: 0, timeoutMs: 50 })).rejects.toThrow(/timed out/);
  });
});

describe('paginate', () => {
  const items = Array.from({ length: 7 }, (_, i) => ({ id: i + 1 }));

  it('follows a cursor', async () => {
    server = await startTestServer((req) => {
      const start = Number(req.query.cursor ?? 0);
      const next = start + 3 < items.length ? String(start + 3) : null;
      return { body: { data: items.slice(start, start + 3), next } };
    });
    const http = createHttpClient({ baseUrl: server.url });
    type Page = { data: { id: number }[]; next: string | null };
    const seen: number[] = [];
    for await (const page of http.paginate<Page>({ path: '/items', query: { limit: 3 } }, (p) =>
      p.next ? { query: { cursor: p.next } } : undefined,
    )) {
      seen.push(...page.data.map((i) => i.id));
    }
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(server.requests.map((r) => r.query)).toEqual([
      { limit: '3' },
      { limit: '3', cursor: '3' },
      { limit: '3', cursor: '6' },
    ]);
  });

  it('follows next links and page numbers', async () => {
    server = await startTestServer((req) => {
      const page = Number(req.query.page ?? 1);
      const url = (server as TestServer).url;
      return {
        body: {
          data: items.slice((page - 1) * 4, page * 4),
          next: page < 2 ? `${url}/items?page=${page + 1}` : null,
        },
      };
    });
    const http = createHttpClient({ baseUrl: server.url });
    type Page = { data: { id: number }[]; next: string | null };
    const byLink: number[] = [];
    for await (const p of http.paginate<Page>({ path: '/items' }, (page) =>
      page.next ? { path: page.next } : undefined,
    )) {
      byLink.push(...p.data.map((i) => i.id));
    }
    const byNumber: number[] = [];
    for await (const p of http.paginate<Page>(
      { path: '/items', query: { page: 1 } },
      (page, info) => (page.data.length > 0 ? { query: { page: info.pageNumber + 1 } } : undefined),
    )) {
      byNumber.push(...p.data.map((i) => i.id));
    }
    expect(byLink).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(byNumber).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });
});
