import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A job the service was asked to start, with the URL to call back when it is done. */
export interface StartedJob {
  readonly table: string;
  readonly callbackUrl: string;
}

/**
 * A loopback service that does slow work for Junction's async steps: it records exports asked
 * for (with their callback URLs, which the test calls as the service would) and answers count
 * jobs as done from their `doneAfter`-th poll on.
 */
export async function startJobsService(options: { doneAfter?: number } = {}) {
  const exports: StartedJob[] = [];
  const polls = new Map<string, number>();
  let nextId = 1;
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST' && req.url === '/exports') {
        exports.push(JSON.parse(raw) as StartedJob);
        return answer(202, { accepted: true });
      }
      if (req.method === 'POST' && req.url === '/counts') {
        const id = `cnt-${nextId++}`;
        polls.set(id, 0);
        return answer(202, { id });
      }
      const count = /^\/counts\/([\w-]+)$/.exec(req.url ?? '');
      if (req.method === 'GET' && count?.[1] && polls.has(count[1])) {
        const n = (polls.get(count[1]) ?? 0) + 1;
        polls.set(count[1], n);
        return answer(
          200,
          n >= (options.doneAfter ?? 2) ? { done: true, rows: 42 } : { done: false },
        );
      }
      answer(404, { error: 'not found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports,
    polls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** POSTs JSON to a resume URL, as the service would. */
export async function callBack(url: string, body: unknown) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON was answered.
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as any };
}
