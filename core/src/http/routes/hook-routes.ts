import type { IncomingHttpHeaders } from 'node:http';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { createWebhookRequest } from '@junction/connector-kit';
import type { Context } from 'hono';
import type { createWebhookIngress } from '../../engine/webhook-ingress.js';
import type { AppEnv } from '../app-env.js';
import { requestLogger } from '../middleware/request-log.js';
import { problemResponses } from '../openapi-schemas.js';
import { HttpProblem } from '../problem.js';
import { failedWebhook, webhookAnswer } from '../webhook-answer.js';
import { joinedHeaders } from '../webhook-listener.js';

const AcceptedSchema = z
  .object({
    events: z.array(
      z.object({
        id: z.string(),
        duplicate: z
          .boolean()
          .openapi({ description: 'Already received (same dedupe key): nothing new was stored.' }),
      }),
    ),
  })
  .openapi('WebhookAccepted', {
    example: { events: [{ id: 'evt_5b0f7c1e-2d3a-4f6b-9c8d-7e1a2b3c4d5e', duplicate: false }] },
  });

const receive = createRoute({
  method: 'post',
  path: '/hooks/{token}',
  tags: ['webhooks'],
  summary: "Webhook ingress: the trigger's connector verifies the signature and parses the request",
  description:
    'Open route (the token in the path is the secret). 202 means every event is stored durably with its run; a replayed delivery (same dedupe key) is a no-op that still answers 202. Any body is accepted up to the size limit; the connector decides what it means. An event PostgreSQL cannot store (a NUL character or a lone UTF-16 surrogate in a string or key) or nested deeper than JUNCTION_JSON_MAX_DEPTH is refused with 422 and a pointer into the event; nothing of that delivery is stored and other deliveries are not affected.',
  request: { params: z.object({ token: z.string().min(1).max(200) }) },
  responses: {
    202: { description: 'Stored.', content: { 'application/json': { schema: AcceptedSchema } } },
    ...problemResponses(400, 401, 404, 413, 422),
    409: {
      description:
        "The integration's rollout stage is off: it accepts no events; nothing was stored.",
      content: problemResponses(409)[409].content,
    },
    410: {
      description: 'The integration is disabled; nothing was stored.',
      content: problemResponses(410)[410].content,
    },
    503: {
      description: 'Try again later; nothing was stored.',
      content: problemResponses(503)[503].content,
    },
  },
});

/** `POST /hooks/{token}`. */
export function registerHookRoutes(
  app: OpenAPIHono<AppEnv>,
  ingress: ReturnType<typeof createWebhookIngress>,
): void {
  app.openapi(receive, async (c) => {
    const { token } = c.req.valid('param');
    const headers = headersOf(c);
    const request = createWebhookRequest({
      method: c.req.method,
      headers,
      query: c.req.query(),
      body: new Uint8Array(await c.req.arrayBuffer()),
    });
    const answer = await ingress
      .receive(token, request)
      .then(webhookAnswer, (error: unknown) => failedWebhook(error, requestLogger(c)));
    if ('body' in answer) return c.json(answer.body, 202);
    throw new HttpProblem(answer.problem, answer.headers);
  });
}

/**
 * The request's headers, lowercased. On @hono/node-server they are read from Node's own request
 * (a repeated header joined with ", ", as the Fetch API does), as the webhook listener reads them.
 */
function headersOf(c: Context<AppEnv>): Record<string, string> {
  const incoming = (c.env as { incoming?: { headers: IncomingHttpHeaders } } | undefined)?.incoming;
  if (incoming) return joinedHeaders(incoming);
  const headers: Record<string, string> = {};
  c.req.raw.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
