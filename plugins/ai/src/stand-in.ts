import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A chat completion request as the stand-in received it. */
export interface StandInRequest {
  readonly model: string;
  readonly messages: readonly { role: string; content: string }[];
  readonly body: Record<string, unknown>;
  readonly headers: IncomingMessage['headers'];
}

/**
 * How the stand-in answers one request: a completion (an object is sent as JSON text, a string as
 * it is, malformed or not), with every token's probability `tokenConfidence` (their geometric
 * mean is then that number) when the request asked for log-probabilities, after `delayMs`; or an
 * error status as the real API sends it (429 with Retry-After), after `delayMs` too.
 */
export type StandInAnswer =
  | {
      readonly content: unknown;
      readonly tokenConfidence?: number;
      readonly delayMs?: number;
      readonly finishReason?: 'stop' | 'length';
    }
  | { readonly status: 429; readonly retryAfterSeconds: number; readonly delayMs?: number }
  | {
      readonly status: 400 | 401 | 500 | 503;
      readonly message?: string;
      readonly delayMs?: number;
    };

/** What the stand-in saw and did, in order: request `n` (0-based) received, or answered. */
export interface StandInEvent {
  readonly kind: 'received' | 'answered';
  readonly request: number;
}

/**
 * A loopback stand-in for an OpenAI-compatible endpoint (`POST /chat/completions`, `GET /models`),
 * for tests and offline examples: answers come from the queue (`next`) first, else from `respond`
 * (which may take its time: a promise). `events` tells in which order requests came and were
 * answered (a request received before another's answer was in flight at the same time).
 *
 * @example
 * ```ts
 * const model = await startModelStandIn({ respond: () => ({ content: { total: 12 }, tokenConfidence: 0.9 }) });
 * // connection settings: { baseUrl: model.url }
 * ```
 */
export async function startModelStandIn(
  options: {
    respond?: (request: StandInRequest) => StandInAnswer | Promise<StandInAnswer>;
    host?: string;
  } = {},
) {
  const queue: StandInAnswer[] = [];
  const requests: StandInRequest[] = [];
  const events: StandInEvent[] = [];
  let ids = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', async () => {
      let index: number | undefined;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        if (res.destroyed) return;
        if (index !== undefined) events.push({ kind: 'answered', request: index });
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const error = (message: string, type: string) =>
        ({ error: { message, type, code: null } }) as const;
      if (req.method === 'GET' && req.url === '/models')
        return send(200, { object: 'list', data: [{ id: 'stand-in', object: 'model' }] });
      if (req.method !== 'POST' || req.url !== '/chat/completions')
        return send(404, error(`No route ${req.method} ${req.url}`, 'invalid_request_error'));
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, error('The body is not JSON.', 'invalid_request_error'));
      }
      if (typeof body.model !== 'string' || !Array.isArray(body.messages))
        return send(400, error('model and messages are required.', 'invalid_request_error'));
      const request = {
        model: body.model,
        messages: body.messages as StandInRequest['messages'],
        body,
        headers: req.headers,
      };
      index = requests.push(request) - 1;
      events.push({ kind: 'received', request: index });
      const answer = queue.shift() ??
        (await options.respond?.(request)) ?? {
          status: 500,
          message: 'The stand-in has no answer queued.',
        };
      const later = (reply: () => void) => {
        const timer = setTimeout(reply, answer.delayMs ?? 0);
        res.on('close', () => clearTimeout(timer));
      };
      if ('status' in answer)
        return later(() => {
          if (answer.status === 429)
            send(429, error('Rate limit reached.', 'rate_limit_exceeded'), {
              'retry-after': String(answer.retryAfterSeconds),
            });
          else send(answer.status, error(answer.message ?? 'Error.', 'server_error'));
        });
      const content =
        typeof answer.content === 'string' ? answer.content : JSON.stringify(answer.content);
      const tokens = content.match(/.{1,4}/gs) ?? [];
      const logprob = Math.log(answer.tokenConfidence ?? 1);
      const completion = {
        id: `chatcmpl-standin-${++ids}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content, refusal: null },
            logprobs:
              body.logprobs === true
                ? {
                    content: tokens.map((token) => ({
                      token,
                      logprob,
                      bytes: [...Buffer.from(token)],
                      top_logprobs: [],
                    })),
                  }
                : null,
            finish_reason: answer.finishReason ?? 'stop',
          },
        ],
        usage: {
          prompt_tokens: Math.ceil(raw.length / 4),
          completion_tokens: tokens.length,
          total_tokens: Math.ceil(raw.length / 4) + tokens.length,
        },
      };
      later(() => send(200, completion));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    requests,
    events,
    /** Queues answers for the next requests, in order. */
    next(...answers: StandInAnswer[]) {
      queue.push(...answers);
    },
    close(): Promise<void> {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export type ModelStandIn = Awaited<ReturnType<typeof startModelStandIn>>;
