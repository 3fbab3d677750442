import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';

let t: TestJunction;
let port: number;

beforeAll(async () => {
  t = await startTestJunction({
    JUNCTION_HTTP_HEADERS_TIMEOUT_MS: '1000',
    JUNCTION_HTTP_REQUEST_TIMEOUT_MS: '2000',
    JUNCTION_HTTP_KEEP_ALIVE_TIMEOUT_MS: '500',
    JUNCTION_WORKER_CONCURRENCY: '1',
    JUNCTION_ROLE: 'api',
  });
  port = Number(new URL(t.url).port);
}, 60_000);
afterAll(() => t?.close());

/** A raw connection to Junction, with what it received and when it was closed. */
function rawClient(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1');
    const opened = Date.now();
    const closed = new Promise<number>((done) =>
      socket.on('close', () => done(Date.now() - opened)),
    );
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('connect', () => resolve({ socket, received: () => text, closed }));
  });
}

describe('slow and idle clients', () => {
  it('closes a connection whose headers never end (a slowloris client)', async () => {
    const client = await rawClient();
    client.socket.write('GET /healthz HTTP/1.1\r\nHost: junction\r\n');
    // One more header line a while later, never the blank line that ends them.
    const drip = setInterval(() => client.socket.write('X-Slow: 1\r\n'), 300);
    const after = await Promise.race([
      client.closed,
      new Promise<number>((done) => setTimeout(() => done(-1), 10_000)),
    ]);
    clearInterval(drip);
    client.socket.destroy();
    expect(after, 'closed by the server within the bound').toBeGreaterThan(0);
    expect(after).toBeLessThan(5_000);
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it('closes a request whose body never ends, and still serves others meanwhile', async () => {
    const client = await rawClient();
    client.socket.write(
      `POST /v1/mappings/preview HTTP/1.1\r\nHost: junction\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"mapping":`,
    );
    const drip = setInterval(() => client.socket.write(' '), 300);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const after = await Promise.race([
      client.closed,
      new Promise<number>((done) => setTimeout(() => done(-1), 10_000)),
    ]);
    clearInterval(drip);
    client.socket.destroy();
    expect(after).toBeGreaterThan(1_500);
    expect(after).toBeLessThan(6_000);
  });

  it('closes an idle keep-alive connection after its timeout', async () => {
    const client = await rawClient();
    client.socket.write(
      'GET /healthz HTTP/1.1\r\nHost: junction\r\nConnection: keep-alive\r\n\r\n',
    );
    const after = await Promise.race([
      client.closed,
      new Promise<number>((done) => setTimeout(() => done(-1), 10_000)),
    ]);
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(after).toBeGreaterThan(0);
    expect(after).toBeLessThan(5_000);
  });
});

describe('security headers and the docs page', () => {
  it('sends a strict policy, no framing, no sniffing and no referrer with every answer', async () => {
    for (const [path, token] of [
      ['/openapi.json', null],
      ['/healthz', null],
      ['/v1/me', undefined],
      ['/v1/me', null],
      ['/v1/nothing-here', undefined],
    ] as const) {
      const response = await t.request(path, token === null ? { token } : {});
      expect(response.headers.get('content-security-policy'), path).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-frame-options'), path).toBe('DENY');
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('serves /docs with a policy that runs only its own scripts and forbids framing', async () => {
    const response = await t.request('/docs', { token: null });
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    // No inline script: every script is a file of this server (which the policy allows).
    for (const tag of html.match(/<script[^>]*>[\s\S]*?<\/script>/g) ?? []) {
      expect(tag).toMatch(/^<script src="\/docs\/assets\/[^"]+"><\/script>$/);
    }
    for (const asset of html.matchAll(/<script src="([^"]+)"/g)) {
      const script = await t.request(asset[1] as string, { token: null });
      expect(script.status, asset[1]).toBe(200);
      expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('never persists the bearer token typed into the docs page', async () => {
    const html = await (await t.request('/docs', { token: null })).text();
    const start = await (await t.request('/docs/assets/start.js', { token: null })).text();
    expect(start).toContain('persistAuthorization: false');
    expect(`${html}\n${start}`).not.toMatch(/persistAuthorization:\s*true|localStorage/);
  });
});
