import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createWebhookRequest } from '@junction/connector-kit';
import type { createWebhookIngress } from '../engine/webhook-ingress.js';
import type { Logger } from '../log/create-logger.js';
import { declaredOverLimit } from './middleware/body-limit.js';
import { requestLines } from './middleware/request-log.js';
import { problemJson } from './problem.js';
import {
  bodyTooLarge,
  failedWebhook,
  type WebhookAnswer,
  webhookAnswer,
} from './webhook-answer.js';

/** A webhook URL: one path segment after /hooks/, and an optional query string. */
const HOOK_URL = /^\/hooks\/([^/?#]+)(?:\?([^#]*))?$/;
/** What a client's X-Request-Id may be to be kept (as the rest of the API keeps it). */
const REQUEST_ID = /^[\w\-=]{1,255}$/;

/**
 * `POST /hooks/{token}` on Node's own request and response, ahead of the Hono app: the one route
 * called for every event a system sends, answered without the router, middleware and Web
 * `Request`/`Response` objects the rest of the API goes through (measured: about a quarter of
 * the process's CPU time per webhook). It keeps what that route does there: the request id
 * (`X-Request-Id`, a client's own kept if valid), one request log line with the token redacted,
 * the body limit (by Content-Length, or counted as a chunked body streams), the same answers
 * (`webhookAnswer`, and `failedWebhook` for an error: 503 while the database is unavailable).
 * Returns false for any other request, and for a token the route's own validation would refuse,
 * which the app then answers. The route stays in the app too, for its OpenAPI description and for callers of
 * `app.fetch`.
 */
export function createWebhookListener(deps: {
  ingress: ReturnType<typeof createWebhookIngress>;
  logger: Logger;
  bodyLimitBytes: number;
}): (req: IncomingMessage, res: ServerResponse) => boolean {
  const logLine = requestLines(deps.logger);

  return (req, res) => {
    if (req.method !== 'POST' || !req.url?.startsWith('/hooks/')) return false;
    const match = HOOK_URL.exec(req.url);
    const token = match ? decoded(match[1] as string) : undefined;
    if (token === undefined || token.length > 200) return false;
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();

    const answer = (reply: WebhookAnswer) => {
      const refused = 'problem' in reply;
      const body = refused ? problemJson(reply.problem, requestId) : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        ...(refused ? reply.headers : {}),
        'Content-Type': refused ? 'application/problem+json' : 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'X-Request-Id': requestId,
      });
      res.end(body);
      logLine(requestId, 'POST', '/hooks/', reply.status, started);
    };

    const receive = async (body: Buffer) => {
      try {
        const request = createWebhookRequest({
          method: 'POST',
          headers: joinedHeaders(req),
          query: queryOf(match?.[2]),
          body,
        });
        answer(webhookAnswer(await deps.ingress.receive(token, request)));
      } catch (error) {
        answer(failedWebhook(error, deps.logger.child({ requestId })));
      }
    };

    const limit = deps.bodyLimitBytes;
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (declaredOverLimit(req.headers['content-length'], chunked, limit)) {
      answer(bodyTooLarge(limit)); // the body is not read: the connection closes after this
      return true;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        req.pause();
        answer(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) void receive(Buffer.concat(chunks, size));
    });
    req.on('error', () => {}); // the client went away: nothing to answer
    return true;
  };
}

/** The path segment decoded as the router decodes it; undefined if it cannot be. */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Header names lowercased (as Node gives them), a repeated header joined with ", ". */
export function joinedHeaders(req: Pick<IncomingMessage, 'headers'>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** The query string as name → first value, as the rest of the API reads it. */
function queryOf(search: string | undefined): Record<string, string> {
  const query: Record<string, string> = {};
  if (!search) return query;
  for (const [name, value] of new URLSearchParams(search)) query[name] ??= value;
  return query;
}
