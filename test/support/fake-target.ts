import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TargetRequest {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly status: number;
}

/**
 * A customer API on loopback: the system a run writes to. Answers can be scripted (`failNext`)
 * to test retries, rate limits and refusals; POST honours Idempotency-Key like a careful API.
 */
export async function startFakeTarget() {
  const customers = new Map<string, Record<string, unknown>>();
  const byIdempotencyKey = new Map<string, string>();
  const requests: TargetRequest[] = [];
  const scripted: {
    status: number;
    headers?: Record<string, string>;
    body?: unknown;
    delayMs?: number;
  }[] = [];
  let nextId = 1;
  /** The next request is served as usual, but only once released; `onArrival` is told. */
  let hold: { released: Promise<void>; onArrival: () => void } | undefined;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const held = hold;
      hold = undefined;
      if (held) {
        held.onArrival();
        void held.released.then(() => serve(raw));
      } else serve(raw);
    });

    function serve(text: string) {
      const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      const answer = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        requests.push({
          at: Date.now(),
          method: req.method ?? '',
          path: req.url ?? '',
          body,
          status,
        });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      const script = scripted.shift();
      if (script) {
        setTimeout(
          () => answer(script.status, script.body ?? { error: 'scripted' }, script.headers),
          script.delayMs ?? 0,
        );
        return;
      }
      if (req.method === 'POST' && req.url === '/customers') {
        const key = req.headers['idempotency-key'];
        const known = typeof key === 'string' ? byIdempotencyKey.get(key) : undefined;
        const id = known ?? `T-${nextId++}`;
        if (typeof key === 'string') byIdempotencyKey.set(key, id);
        customers.set(id, { ...body, id });
        return answer(201, { id, number: body.number });
      }
      const match = /^\/customers\/([^/]+)$/.exec(req.url ?? '');
      if (req.method === 'PUT' && match?.[1] && customers.has(match[1])) {
        customers.set(match[1], { ...body, id: match[1] });
        return answer(200, { id: match[1], number: body.number });
      }
      answer(404, { error: 'not found' });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    customers,
    requests,
    /** The next answers, in order, before normal service resumes. */
    failNext(...answers: typeof scripted) {
      scripted.push(...answers);
    },
    /**
     * Serves the next request as usual, but only when `answer()` is called (a slow API: the
     * write is done when it answers). `arrived` resolves when that request has come in.
     */
    holdNext(): { arrived: Promise<void>; answer(): void } {
      let answer: () => void = () => {};
      const released = new Promise<void>((resolve) => {
        answer = resolve;
      });
      const arrived = new Promise<void>((resolve) => {
        hold = { released, onArrival: resolve };
      });
      return { arrived, answer };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
