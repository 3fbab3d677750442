import {
  AuthError,
  type ConnectorError,
  InvalidInputError,
  RateLimitedError,
  RetryableError,
} from './errors.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * Headers as a fetch `Headers` object or a plain (lowercased) record.
 *
 * @example
 * ```ts
 * errorFromResponse(429, { 'retry-after': '10' }, undefined);
 * ```
 */
export type HeadersLike = Headers | Readonly<Record<string, string | undefined>>;

function header(headers: HeadersLike, name: string): string | undefined {
  // Any fetch's Headers (the global one, undici's), not only instances of the global class.
  if (typeof headers.get === 'function') return (headers as Headers).get(name) ?? undefined;
  return (headers as Readonly<Record<string, string | undefined>>)[name.toLowerCase()];
}

function describe(body: unknown): string {
  if (body === undefined || body === null || body === '') return '';
  if (typeof body === 'string') return `: ${body.slice(0, 200)}`;
  if (typeof body === 'object') {
    const record = body as Record<string, unknown>;
    for (const key of ['message', 'error_description', 'error', 'detail', 'title']) {
      const value = record[key];
      if (typeof value === 'string') return `: ${value.slice(0, 200)}`;
    }
  }
  return '';
}

/**
 * Maps a non-2xx HTTP answer to the error the engine acts on: 408 and 5xx become
 * {@link RetryableError}, 429 {@link RateLimitedError} (with `Retry-After`, else one minute),
 * 401/403 {@link AuthError}, any other 4xx {@link InvalidInputError}.
 *
 * @example
 * ```ts
 * if (!res.ok) throw errorFromResponse(res.status, res.headers, await res.json());
 * ```
 */
export function errorFromResponse(
  status: number,
  headers: HeadersLike,
  body: unknown,
  now: Date = new Date(),
): ConnectorError {
  const message = `HTTP ${status}${describe(body)}`;
  if (status === 429) {
    const delay = parseRetryAfter(header(headers, 'retry-after'), now) ?? 60_000;
    return new RateLimitedError(message, {
      status,
      retryAt: new Date(now.getTime() + delay),
      cause: body,
    });
  }
  if (status === 401 || status === 403) return new AuthError(message, { status, cause: body });
  if (status === 408 || status >= 500) return new RetryableError(message, { status, cause: body });
  return new InvalidInputError(message, { status, cause: body });
}
