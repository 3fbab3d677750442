import type { FieldSet, InferFields } from './field.js';
import type { QueryParams } from './http-client.js';
import type { PaginateNext } from './paginate.js';

/**
 * Query parameters without their unset values: `undefined` and `null` are left out, arrays are
 * joined with commas, objects sent as JSON.
 *
 * @example
 * ```ts
 * compactQuery({ state: 'open', labels: ['bug', 'ui'], since: undefined }); // { state: 'open', labels: 'bug,ui' }
 * ```
 */
export function compactQuery(values: Readonly<Record<string, unknown>>): QueryParams {
  const out: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) out[name] = value.map(String).join(',');
    else if (typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = value as string | number | boolean;
  }
  return out;
}

/**
 * Request headers without their unset values, each as a string.
 *
 * @example
 * ```ts
 * compactHeaders({ 'x-request-id': input.requestId }); // {} when requestId is undefined
 * ```
 */
export function compactHeaders(values: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    out[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

/**
 * The keys of `value` that `fields` declares, as the action's output type; other keys an API
 * sends are dropped (the runner then checks the values against the fields).
 *
 * @example
 * ```ts
 * return pickFields(output, await ctx.http.get(`/issues/${input.id}`));
 * ```
 */
export function pickFields<F extends FieldSet>(fields: F, value: unknown): InferFields<F> {
  const out: Record<string, unknown> = {};
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const name of Object.keys(fields)) {
      const v = (value as Record<string, unknown>)[name];
      if (v !== undefined) out[name] = v;
    }
  }
  return out as InferFields<F>;
}

/**
 * The list in a page: the page itself when it is an array, else its property `property`.
 *
 * @example
 * ```ts
 * itemsAt({ total_count: 2, items: [a, b] }, 'items'); // [a, b]
 * ```
 */
export function itemsAt(page: unknown, property?: string): unknown[] {
  if (property === undefined) return Array.isArray(page) ? page : [];
  const list = (page as Record<string, unknown> | null)?.[property];
  return Array.isArray(list) ? list : [];
}

/**
 * The URL of the `rel="next"` entry of an RFC 8288 `Link` header, if any.
 *
 * @example
 * ```ts
 * nextLink('<https://api.test/items?page=2>; rel="next", <https://api.test/items?page=5>; rel="last"'); // 'https://api.test/items?page=2'
 * ```
 */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(m[2] ?? '')) {
      return m[1];
    }
  }
  return undefined;
}

/**
 * Pagination by `Link: <...>; rel="next"` headers (GitHub, GitLab...): follows the next link
 * until there is none.
 *
 * @example
 * ```ts
 * for await (const page of ctx.http.paginate(first, linkHeaderPages())) items.push(...itemsAt(page));
 * ```
 */
export function linkHeaderPages<P = unknown>(): PaginateNext<P> {
  return (_page, info) => {
    const next = nextLink(info.headers.get('link'));
    return next === undefined ? undefined : { path: next };
  };
}

/**
 * Pagination by a page-number query parameter: asks for the next number until a page has no
 * items (or fewer than `pageSize`, when known).
 *
 * @example
 * ```ts
 * ctx.http.paginate(first, pageNumberPages({ param: 'page', first: 1, items: (p) => itemsAt(p, 'data'), pageSize: 50 }));
 * ```
 */
export function pageNumberPages<P = unknown>(options: {
  readonly param: string;
  readonly first: number;
  readonly items: (page: P) => readonly unknown[];
  readonly pageSize?: number;
}): PaginateNext<P> {
  return (page, info) => {
    const count = options.items(page).length;
    if (count === 0 || (options.pageSize !== undefined && count < options.pageSize))
      return undefined;
    return { query: { [options.param]: options.first + info.pageNumber } };
  };
}

/**
 * Pagination by a cursor: the page's `nextField` (a dotted path) goes into the `param` query
 * parameter of the next request, until it is missing or empty.
 *
 * @example
 * ```ts
 * ctx.http.paginate(first, cursorPages({ param: 'cursor', nextField: 'meta.next_cursor' }));
 * ```
 */
export function cursorPages<P = unknown>(options: {
  readonly param: string;
  readonly nextField: string;
}): PaginateNext<P> {
  return (page) => {
    let value: unknown = page;
    for (const key of options.nextField.split('.')) {
      value = (value as Record<string, unknown> | null | undefined)?.[key];
    }
    if (value === undefined || value === null || value === '' || value === false) return undefined;
    return { query: { [options.param]: String(value) } };
  };
}
