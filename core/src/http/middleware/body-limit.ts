import type { IncomingHttpHeaders } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../app-env.js';

/**
 * Refuses request bodies over `maxSize` bytes through `onError`. A request that declares its
 * length (Content-Length, no Transfer-Encoding) is judged by that header alone, read from Node's
 * own request when Junction runs on @hono/node-server, so the common case costs no Web `Request`
 * object; a chunked body is counted as it streams and refused as soon as it passes the limit.
 */
export function bodyLimit(options: {
  maxSize: number;
  onError: (c: Context) => Response | Promise<Response>;
}): MiddlewareHandler<AppEnv> {
  const streaming = streamingBodyLimit(options);
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const incoming = (c.env as { incoming?: { headers: IncomingHttpHeaders } } | undefined)
      ?.incoming;
    const length = incoming
      ? incoming.headers['content-length']
      : (c.req.header('content-length') ?? undefined);
    const chunked = incoming
      ? incoming.headers['transfer-encoding'] !== undefined
      : c.req.header('transfer-encoding') !== undefined;
    if (length !== undefined && !chunked) {
      return declaredOverLimit(length, chunked, options.maxSize)
        ? Promise.resolve(options.onError(c))
        : next();
    }
    return streaming(c, next);
  };
}

/**
 * Whether a request's declared length (Content-Length, not chunked) is over `maxSize`: such a
 * body is refused unread. A chunked body or one without a length is counted as it streams.
 */
export function declaredOverLimit(
  contentLength: string | undefined,
  chunked: boolean,
  maxSize: number,
): boolean {
  return contentLength !== undefined && !chunked && Number.parseInt(contentLength, 10) > maxSize;
}
