import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A request the test server received.
 *
 * @example
 * ```ts
 * expect(server.requests[0]?.headers['x-api-key']).toBe('k');
 * ```
 */
export interface TestServerRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lowercased header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rawBody: Buffer;
  /** Parsed JSON body, or `undefined`. */
  readonly body: unknown;
}

/**
 * What a test handler answers; `body` objects are sent as JSON.
 *
 * @example
 * ```ts
 * startTestServer(() => ({ status: 429, headers: { 'retry-after': '1' } }));
 * ```
 */
export interface TestServerResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/**
 * A running loopback server.
 *
 * @example
 * ```ts
 * const server = await startTestServer(() => ({ body: [] })); try { await run(server.url); } finally { await server.close(); }
 * ```
 */
export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: TestServerRequest[];
  close(): Promise<void>;
}

async function read(req: IncomingMessage): Promise<TestServerRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const rawBody = Buffer.concat(chunks);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  let body: unknown;
  try {
    body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : undefined;
  } catch {
    body = undefined;
  }
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    rawBody,
    body,
  };
}

/**
 * Starts a node:http server on 127.0.0.1 (random port) that answers with `handler`, so tests
 * stub a vendor only at the network edge. Always `close()` it (in `afterEach`/`finally`).
 *
 * @example
 * ```ts
 * const server = await startTestServer((req) => ({ status: 200, body: { id: req.query.id } }));
 * const http = createHttpClient({ baseUrl: server.url });
 * await server.close();
 * ```
 */
export async function startTestServer(
  handler: (req: TestServerRequest) => TestServerResponse | Promise<TestServerResponse>,
): Promise<TestServer> {
  const requests: TestServerRequest[] = [];
  const server = createServer((req, res) => {
    read(req)
      .then(async (request) => {
        requests.push(request);
        const answer = await handler(request);
        const json = answer.body !== undefined && typeof answer.body !== 'string';
        const payload = json ? JSON.stringify(answer.body) : ((answer.body as string) ?? '');
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, {
          ...(json ? { 'content-type': 'application/json' } : {}),
          ...answer.headers,
        });
        res.end(payload);
      })
      .catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
