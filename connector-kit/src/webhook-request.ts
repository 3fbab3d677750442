/**
 * An incoming webhook request as plain data, independent of any HTTP framework. Header names
 * are lowercased; `rawBody` is the exact bytes received (signatures are computed over it).
 *
 * @example
 * ```ts
 * const req: WebhookRequest = {
 *   method: 'POST', headers: { 'content-type': 'application/json' }, query: {},
 *   rawBody: Buffer.from('{"id":1}'), body: { id: 1 },
 * };
 * ```
 */
export interface WebhookRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly query: Readonly<Record<string, string | undefined>>;
  readonly rawBody: Uint8Array;
  /** The parsed JSON body, or `undefined` when the body is not JSON. */
  readonly body: unknown;
}

/**
 * Builds a {@link WebhookRequest} from parts: lowercases header names and parses a JSON body.
 *
 * @example
 * ```ts
 * const req = createWebhookRequest({ headers: { 'X-Sig': 'abc' }, body: '{"id":1}' });
 * ```
 */
export function createWebhookRequest(parts: {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: string | Uint8Array;
}): WebhookRequest {
  const raw = parts.body ?? '';
  const rawBody = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(parts.headers ?? {})) headers[k.toLowerCase()] = v;
  let body: unknown;
  try {
    const text = Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength); // no copy
    body = rawBody.length === 0 ? undefined : JSON.parse(text.toString('utf8'));
  } catch {
    body = undefined;
  }
  return { method: parts.method ?? 'POST', headers, query: parts.query ?? {}, rawBody, body };
}
