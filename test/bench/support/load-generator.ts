import http from 'node:http';

/** One request of a load run. */
export interface LoadRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** What a load run measured. */
export interface LoadResult {
  readonly seconds: number;
  /** Answers with the expected status per second. */
  readonly perSecond: number;
  readonly accepted: number;
  /** Other answers (status: count) and transport errors. */
  readonly unexpected: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** The answer of one request, with its latency. */
export interface Answer {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

/** A keep-alive client of `sockets` connections to one origin (node:http, no extra dependency). */
export function createClient(origin: string, sockets: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const { hostname, port } = new URL(origin);
  return {
    send(request: LoadRequest): Promise<Answer> {
      const started = performance.now();
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            hostname,
            port,
            path: request.path,
            method: 'POST',
            headers: {
              ...request.headers,
              'content-length': Buffer.byteLength(request.body),
            },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString(),
                ms: performance.now() - started,
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(request.body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

/**
 * Closed-loop load: `connections` loops, each sending its next request as soon as the previous
 * one is answered, for `seconds` (after `warmupSeconds` not counted). Latency is measured from
 * the request being written to the last byte of the answer.
 */
export async function runLoad(options: {
  origin: string;
  connections: number;
  seconds: number;
  warmupSeconds: number;
  expectStatus: number;
  next: () => LoadRequest;
  /** Receives every counted latency (ms), to merge several runs' percentiles. */
  latencies?: number[];
}): Promise<LoadResult> {
  const client = createClient(options.origin, options.connections);
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  const started = performance.now();
  const measureFrom = started + options.warmupSeconds * 1000;
  const deadline = measureFrom + options.seconds * 1000;
  let measuredEnd = measureFrom;
  const loop = async () => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      let status: string;
      let ms = 0;
      try {
        const answer = await client.send(options.next());
        status = String(answer.status);
        ms = answer.ms;
      } catch (error) {
        status = (error as NodeJS.ErrnoException).code ?? 'error';
      }
      if (sentAt < measureFrom) continue;
      const now = performance.now();
      if (now > deadline) break;
      measuredEnd = Math.max(measuredEnd, now);
      if (status === String(options.expectStatus)) {
        latencies.push(ms);
        options.latencies?.push(ms);
      } else unexpected[status] = (unexpected[status] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, loop));
  } finally {
    client.close();
  }
  const seconds = (measuredEnd - measureFrom) / 1000;
  return summariseLoad(latencies, seconds, unexpected);
}

/** A load result from its counted latencies (ms, any order) and its measured window. */
export function summariseLoad(
  latencies: number[],
  seconds: number,
  unexpected: Readonly<Record<string, number>>,
): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    seconds: round(seconds, 2),
    perSecond: Math.round(latencies.length / seconds),
    accepted: latencies.length,
    unexpected,
    p50Ms: round(percentile(latencies, 0.5), 1),
    p99Ms: round(percentile(latencies, 0.99), 1),
    maxMs: round(latencies.at(-1) ?? Number.NaN, 1),
  };
}

/** The value at fraction `p` of sorted `values`. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
