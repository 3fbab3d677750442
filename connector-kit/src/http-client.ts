import { applyAuth } from './apply-auth.js';
import type { AuthDefinition, Credentials } from './auth.js';
import type { EgressGuard } from './egress-guard.js';
import { errorFromResponse } from './error-from-response.js';
import { egressRefusalIn, RateLimitedError, RetryableError } from './errors.js';
import { cancelled, readBody, sleep } from './http-support.js';
import { type PaginateNext, paginate } from './paginate.js';
import { parseRetryAfter } from './retry-after.js';

/**
 * Query values; `undefined` entries are left out.
 *
 * @example
 * ```ts
 * await ctx.http.get('/search', { query: { q: 'ann', limit: 10, archived: false, after: undefined } });
 * ```
 */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * One request through the {@link HttpClient}.
 *
 * @example
 * ```ts
 * await ctx.http.request({ method: 'POST', path: '/upload', body: bytes, headers: { 'content-type': 'text/csv' }, timeoutMs: 60_000 });
 * ```
 */
export interface HttpRequest {
  readonly method?: string;
  /** A path joined to `baseUrl`, or an absolute `http(s)://` URL (a next-link). */
  readonly path: string;
  readonly query?: QueryParams;
  readonly headers?: Readonly<Record<string, string>>;
  /** A JSON body (sets `content-type: application/json`). */
  readonly json?: unknown;
  /** A raw body, when not JSON. */
  readonly body?: string | Uint8Array | URLSearchParams;
  readonly timeoutMs?: number;
  readonly retries?: number;
  /** Retry 5xx and network errors for POST/PATCH too (the API deduplicates, e.g. by idempotency key). */
  readonly idempotent?: boolean;
  /** Cancels this request and its retries, as the client's own `signal` cancels all of them. */
  readonly signal?: AbortSignal;
}

/**
 * Per-call options of the JSON helpers.
 *
 * @example
 * ```ts
 * await ctx.http.get('/contacts', { query: { limit: 100 }, retries: 5 });
 * ```
 */
export type HttpCallOptions = Omit<HttpRequest, 'method' | 'path' | 'json'>;

/**
 * The HTTP client in the run context: auth injected, per-request timeout, retries with
 * exponential backoff and jitter honouring `Retry-After`, typed errors for non-2xx answers.
 *
 * @example
 * ```ts
 * const contact = await ctx.http.get<Contact>(`/contacts/${id}`);
 * for await (const page of ctx.http.paginate<Page>({ path: '/contacts' }, (p) => p.next ? { path: p.next } : undefined)) {}
 * ```
 */
export interface HttpClient {
  /** The raw response (2xx only; other statuses throw typed errors after retries). */
  request(req: HttpRequest): Promise<Response>;
  get<T = unknown>(path: string, options?: HttpCallOptions): Promise<T>;
  post<T = unknown>(path: string, json?: unknown, options?: HttpCallOptions): Promise<T>;
  put<T = unknown>(path: string, json?: unknown, options?: HttpCallOptions): Promise<T>;
  patch<T = unknown>(path: string, json?: unknown, options?: HttpCallOptions): Promise<T>;
  delete<T = unknown>(path: string, options?: HttpCallOptions): Promise<T>;
  /** Sends a request and parses its JSON body (`undefined` when empty). */
  json<T = unknown>(req: HttpRequest): Promise<T>;
  /** Pages through a listing; `next` returns the changes for the next request or `undefined`. */
  paginate<P>(
    first: HttpRequest,
    next: PaginateNext<P>,
    options?: { maxPages?: number },
  ): AsyncIterable<P>;
}

/**
 * Options of {@link createHttpClient}.
 *
 * @example
 * ```ts
 * createHttpClient({ baseUrl: 'https://api.acme.test', timeoutMs: 10_000, retries: 2, maxRetryAfterMs: 5_000 });
 * ```
 */
export interface HttpClientOptions {
  readonly baseUrl?: string;
  readonly auth?: AuthDefinition;
  readonly credentials?: Credentials;
  /** Per attempt; default 30 000. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt; default 3. */
  readonly retries?: number;
  /** Base of the exponential backoff; default 250 ms (then 500, 1000... with jitter). */
  readonly backoffMs?: number;
  /** Longest wait the client does itself; a longer `Retry-After` throws `RateLimitedError`. Default 30 000. */
  readonly maxRetryAfterMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /**
   * Connect only where this guard allows, checked at every connection (redirects included); a
   * refusal throws `EgressRefusedError`, never retried. Ignored when `fetch` is given.
   */
  readonly egress?: EgressGuard;
  readonly fetch?: typeof fetch;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Creates the fetch-based {@link HttpClient}.
 *
 * @example
 * ```ts
 * const http = createHttpClient({ baseUrl: 'https://api.acme.test/v1', auth, credentials, timeoutMs: 10_000 });
 * const me = await http.get('/me');
 * ```
 */
export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const doFetch = options.fetch ?? options.egress?.fetch ?? fetch;
  const backoffMs = options.backoffMs ?? 250;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;

  function buildUrl(req: HttpRequest): URL {
    const absolute = /^https?:\/\//i.test(req.path);
    const base = options.baseUrl?.replace(/\/+$/, '') ?? '';
    const url = new URL(absolute ? req.path : `${base}/${req.path.replace(/^\/+/, '')}`);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v !== undefined) url.searchParams.set(k, String(v));
    }
    return url;
  }

  async function request(req: HttpRequest): Promise<Response> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = buildUrl(req);
    const headers = new Headers({ accept: 'application/json', ...options.headers, ...req.headers });
    if (options.auth) applyAuth(options.auth, options.credentials ?? {}, url, headers);
    let body: string | Uint8Array | URLSearchParams | undefined = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    const cancel =
      req.signal && options.signal
        ? AbortSignal.any([options.signal, req.signal])
        : (req.signal ?? options.signal);
    const retries = req.retries ?? options.retries ?? 3;
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? 30_000;
    const safeToRepeat =
      IDEMPOTENT.has(method) || req.idempotent === true || headers.has('idempotency-key');
    const backoff = (attempt: number) =>
      Math.round(Math.min(backoffMs * 2 ** attempt, 10_000) * (0.5 + Math.random() * 0.5));

    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = cancel ? AbortSignal.any([cancel, timeout]) : timeout;
      let res: Response;
      try {
        res = await doFetch(url, { method, headers, body: body ?? null, signal });
      } catch (cause) {
        if (cancel?.aborted) throw cancelled(method, url, cancel);
        const refused = egressRefusalIn(cause);
        if (refused !== undefined) throw refused;
        const timedOut = timeout.aborted;
        const reason = timedOut
          ? `timed out after ${timeoutMs} ms`
          : `failed: ${(cause as Error).message}`;
        const error = new RetryableError(`${method} ${url.host}${url.pathname} ${reason}`, {
          cause,
        });
        if (attempt >= retries || !safeToRepeat) throw error;
        await sleep(backoff(attempt), cancel).catch(() => {
          throw cancelled(method, url, cancel);
        });
        continue;
      }
      if (res.ok) return res;
      const status = res.status;
      const transient = status === 408 || status === 429 || status >= 500;
      if (!transient || attempt >= retries || (status !== 429 && !safeToRepeat)) {
        throw errorFromResponse(status, res.headers, await readBody(res));
      }
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      await res.body?.cancel();
      if (retryAfter !== undefined && retryAfter > maxRetryAfterMs) {
        // Do not hold a worker for long waits: let the engine reschedule at retryAt.
        throw new RateLimitedError(`HTTP ${status}: retry after ${retryAfter} ms`, {
          status,
          retryAt: new Date(Date.now() + retryAfter),
        });
      }
      await sleep(retryAfter ?? backoff(attempt), cancel).catch(() => {
        throw cancelled(method, url, cancel);
      });
    }
  }

  async function json<T>(req: HttpRequest): Promise<T> {
    const res = await request(req);
    return (await readBody(res)) as T;
  }

  const client: HttpClient = {
    request,
    json,
    get: (path, o) => json({ ...o, method: 'GET', path }),
    post: (path, body, o) => json({ ...o, method: 'POST', path, json: body }),
    put: (path, body, o) => json({ ...o, method: 'PUT', path, json: body }),
    patch: (path, body, o) => json({ ...o, method: 'PATCH', path, json: body }),
    delete: (path, o) => json({ ...o, method: 'DELETE', path }),
    paginate: (first, next, o) => paginate(client, first, next, o),
  };
  return client;
}
