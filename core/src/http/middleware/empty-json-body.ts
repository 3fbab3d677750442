import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';

/**
 * A route whose JSON body is optional reads an empty body sent as `application/json` (as clients
 * that always send that header do) as `{}`, the same as no body, rather than as malformed JSON.
 * Hono's request keeps the body it read in `bodyCache` (its validators read it from there, as
 * text for JSON): the empty text is replaced by `{}`.
 */
export const emptyJsonBody: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (/json/i.test(c.req.header('content-type') ?? '') && (await c.req.text()).trim() === '')
    (c.req.bodyCache as Record<string, unknown>).text = Promise.resolve('{}');
  await next();
};
