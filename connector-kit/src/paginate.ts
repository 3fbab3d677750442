import type { HttpClient, HttpRequest } from './http-client.js';

/**
 * What the `next` callback of {@link paginate} learns about the page it just got.
 *
 * @example
 * ```ts
 * (page, info) => (info.pageNumber < 10 ? { query: { page: info.pageNumber + 1 } } : undefined)
 * ```
 */
export interface PageInfo {
  readonly request: HttpRequest;
  /** 1 for the first page. */
  readonly pageNumber: number;
  readonly headers: Headers;
}

/**
 * Decides the next request from the current page: return changes to merge into the previous
 * request (`{ query: { cursor } }`, `{ path: nextLink }`, `{ query: { page: n + 1 } }`), or
 * `undefined` to stop.
 *
 * @example
 * ```ts
 * const next: PaginateNext<{ next?: string }> = (page) => (page.next ? { path: page.next } : undefined);
 * ```
 */
export type PaginateNext<P> = (page: P, info: PageInfo) => Partial<HttpRequest> | undefined;

/**
 * Async iterator over the pages of a listing: by cursor, next-link or page number, as the
 * `next` callback decides. Stops after `maxPages` (default 1000) to bound a runaway API.
 *
 * @example
 * ```ts
 * const pages = paginate<{ items: Item[]; next?: string }>(http, { path: '/items' },
 *   (page) => (page.next ? { query: { cursor: page.next } } : undefined));
 * for await (const page of pages) items.push(...page.items);
 * ```
 */
export async function* paginate<P>(
  http: HttpClient,
  first: HttpRequest,
  next: PaginateNext<P>,
  options: { readonly maxPages?: number } = {},
): AsyncGenerator<P, void, undefined> {
  const maxPages = options.maxPages ?? 1000;
  let request: HttpRequest | undefined = first;
  for (let pageNumber = 1; request !== undefined && pageNumber <= maxPages; pageNumber++) {
    const res = await http.request(request);
    const text = await res.text();
    const page = (text === '' ? undefined : JSON.parse(text)) as P;
    yield page;
    const change = next(page, { request, pageNumber, headers: res.headers });
    request =
      change === undefined
        ? undefined
        : { ...request, ...change, query: { ...request.query, ...change.query } };
    // A next-link already carries its query: do not merge the old one into it.
    if (change?.path !== undefined && /^https?:\/\//i.test(change.path)) {
      request = { ...request, query: change.query } as HttpRequest;
    }
  }
}
