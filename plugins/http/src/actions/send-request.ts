import { defineAction, field, type JsonValue } from '@junction/connector-kit';
import { nameValueList, toRecord } from '../name-value.js';

function parseAnswer(text: string): { body: JsonValue } | { bodyText: string } {
  try {
    return { body: JSON.parse(text) as JsonValue };
  } catch {
    return { bodyText: text };
  }
}

/**
 * Sends one request to the connection's base URL with its auth, and returns the answer. 408,
 * 429 and 5xx are retried with backoff (429 honours Retry-After; POST and PATCH only with
 * `sendIdempotencyKey` or `idempotent`); other non-2xx answers fail with the kit's typed errors.
 *
 * @example
 * ```ts
 * await runAction(connector, 'request', ctx, { method: 'POST', path: '/contacts', body: { email: 'ann@example.com' } });
 * ```
 */
export const sendRequest = defineAction({
  key: 'request',
  name: 'Send request',
  description: 'Sends an HTTP request to the API and returns its status, headers and JSON body.',
  kind: 'custom',
  idempotent: false,
  input: {
    method: field.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { default: 'GET' }),
    path: field.string({
      description: 'A path under the connection\'s base URL, starting with "/" (no other host)',
      pattern: '^/(?!/)',
      examples: ['/v1/contacts'],
    }),
    query: nameValueList('Query parameters'),
    headers: nameValueList('Headers'),
    body: field.json({
      required: false,
      label: 'Body (JSON)',
      description: 'The JSON body (any JSON value), e.g. {"email":"ann@example.com"}',
      examples: [{ email: 'ann@example.com' }],
    }),
    sendIdempotencyKey: field.boolean({
      required: false,
      default: false,
      description:
        'Send Idempotency-Key (stable across retries of this step); POST/PATCH are then retried',
    }),
    idempotent: field.boolean({
      required: false,
      default: false,
      description: 'The API deduplicates this request itself: retry POST/PATCH on 5xx',
    }),
    timeoutMs: field.integer({ required: false, minimum: 100, maximum: 300_000, default: 30_000 }),
  },
  output: {
    status: field.integer(),
    headers: field.array(field.object({ name: field.string(), value: field.string() })),
    body: field.json({ required: false, description: 'The answer, when it is JSON' }),
    bodyText: field.string({ required: false, description: 'The answer, when it is not JSON' }),
  },
  sample: {
    status: 200,
    headers: [{ name: 'content-type', value: 'application/json' }],
    body: { id: 'c_1', email: 'ann@example.com' },
  },
  // The request's own timeout, and a moment to read the answer: the engine does not cut it at
  // its default step timeout.
  timeoutMs: (input) => (input.timeoutMs ?? 30_000) + 5_000,
  async run(ctx, input) {
    const headers = toRecord(input.headers);
    if (input.sendIdempotencyKey === true) headers['idempotency-key'] = ctx.idempotencyKey;
    const res = await ctx.http.request({
      method: input.method,
      path: input.path,
      query: toRecord(input.query),
      headers,
      ...(input.body === undefined ? {} : { json: input.body }),
      ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
      idempotent: input.idempotent === true,
    });
    const text = await res.text();
    const answerHeaders = [...res.headers].map(([name, value]) => ({ name, value }));
    if (text === '') return { status: res.status, headers: answerHeaders };
    return { status: res.status, headers: answerHeaders, ...parseAnswer(text) };
  },
});
