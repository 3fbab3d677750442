import type { OpenAPIV3 } from 'openapi-types';
import type { OpenApiSchema } from './schema-to-field.js';

/**
 * How a list operation pages, as its description shows it.
 *
 * @example
 * ```ts
 * const p: Pagination = { kind: 'cursor', param: 'cursor', nextField: 'next_cursor', itemsProperty: 'data' };
 * ```
 */
export type Pagination = { readonly itemsProperty?: string } & (
  | { readonly kind: 'link' }
  | { readonly kind: 'cursor'; readonly param: string; readonly nextField: string }
  | { readonly kind: 'page'; readonly param: string; readonly first: number }
);

const CURSOR_PARAMS = [
  'cursor',
  'after',
  'page_token',
  'pageToken',
  'starting_after',
  'next_token',
  'continuation_token',
  'marker',
];
const NEXT_FIELDS = [
  'next_cursor',
  'nextCursor',
  'next_page_token',
  'nextPageToken',
  'next_token',
  'nextToken',
  'cursor',
  'next',
  'continuation_token',
  'marker',
];
const PAGE_PARAMS = ['page', 'page_number', 'pageNumber'];
const LIST_PROPERTIES = ['items', 'data', 'results', 'values', 'entries', 'records'];

/** Where the list is in an answer: the answer itself (an array) or one array property. */
function itemsProperty(schema: OpenApiSchema | undefined): { found: boolean; property?: string } {
  if (!schema || typeof schema !== 'object') return { found: false };
  if (schema.type === 'array') return { found: true };
  const arrays = Object.entries(schema.properties ?? {})
    .filter(([, s]) => (s as OpenApiSchema).type === 'array')
    .map(([name]) => name);
  const named = LIST_PROPERTIES.find((n) => arrays.includes(n));
  if (named) return { found: true, property: named };
  return arrays.length === 1 ? { found: true, property: arrays[0] } : { found: false };
}

function nextField(schema: OpenApiSchema | undefined): string | undefined {
  const properties = schema?.properties ?? {};
  const direct = NEXT_FIELDS.find((n) => n in properties);
  if (direct) return direct;
  for (const holder of ['meta', 'pagination', 'paging', 'response_metadata', 'links']) {
    const inner = (properties[holder] as OpenApiSchema | undefined)?.properties ?? {};
    const name = NEXT_FIELDS.find((n) => n in inner);
    if (name) return `${holder}.${name}`;
  }
  return undefined;
}

/**
 * Recognises pagination of a list operation: a `Link` header in its success response (followed
 * by `rel="next"`), a cursor query parameter with a next-cursor field in the answer, or a
 * page-number query parameter. Needs the list itself: an array answer, or an answer with one
 * array property (`items`, `data`, `results`... preferred).
 *
 * @example
 * ```ts
 * detectPagination({ response, schema }, ['per_page', 'page']); // { kind: 'link' } for GitHub lists
 * ```
 */
export function detectPagination(
  success: { readonly response: OpenAPIV3.ResponseObject; readonly schema?: OpenApiSchema },
  queryNames: readonly string[],
): Pagination | undefined {
  const list = itemsProperty(success.schema);
  if (!list.found) return undefined;
  const at = list.property === undefined ? {} : { itemsProperty: list.property };
  const headers = Object.keys(success.response.headers ?? {}).map((h) => h.toLowerCase());
  if (headers.includes('link')) return { kind: 'link', ...at };
  const cursor = CURSOR_PARAMS.find((p) => queryNames.includes(p));
  const next = nextField(success.schema);
  if (cursor && next) return { kind: 'cursor', param: cursor, nextField: next, ...at };
  const page = PAGE_PARAMS.find((p) => queryNames.includes(p));
  if (page) return { kind: 'page', param: page, first: 1, ...at };
  return undefined;
}
