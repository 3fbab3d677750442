import { describe, expect, it } from 'vitest';
import { field } from './field.js';
import type { HttpRequest } from './http-client.js';
import {
  compactHeaders,
  compactQuery,
  cursorPages,
  itemsAt,
  linkHeaderPages,
  nextLink,
  pageNumberPages,
  pickFields,
} from './rest-support.js';

const info = (pageNumber: number, headers: Record<string, string> = {}) => ({
  request: { path: '/items' } as HttpRequest,
  pageNumber,
  headers: new Headers(headers),
});

describe('REST helpers', () => {
  it('leaves unset values out of queries and headers', () => {
    expect(
      compactQuery({
        a: 'x',
        b: undefined,
        c: null,
        d: ['bug', 'ui'],
        e: { k: 1 },
        f: 0,
        g: false,
      }),
    ).toEqual({ a: 'x', d: 'bug,ui', e: '{"k":1}', f: 0, g: false });
    expect(compactHeaders({ 'x-a': 1, 'x-b': undefined, 'x-c': true })).toEqual({
      'x-a': '1',
      'x-c': 'true',
    });
  });

  it('keeps only the declared keys of an answer', () => {
    const output = { id: field.integer(), title: field.string() };
    expect(pickFields(output, { id: 1, title: 't', extra: true })).toEqual({ id: 1, title: 't' });
    expect(pickFields(output, [1, 2])).toEqual({});
    expect(pickFields(output, null)).toEqual({});
  });

  it('finds the next link of a Link header among other relations', () => {
    expect(
      nextLink('<https://a.test/i?page=1>; rel="prev", <https://a.test/i?page=3>; rel="next"'),
    ).toBe('https://a.test/i?page=3');
    expect(nextLink('<https://a.test/i?page=9>; rel="last"')).toBeUndefined();
    expect(nextLink('<https://a.test/i?page=2>; rel="next last"')).toBe('https://a.test/i?page=2');
    expect(nextLink(null)).toBeUndefined();
    const next = linkHeaderPages();
    expect(next([], info(1, { link: '<https://a.test/i?page=2>; rel=next' }))).toEqual({
      path: 'https://a.test/i?page=2',
    });
    expect(next([], info(2))).toBeUndefined();
  });

  it('pages by number until an empty or short page, and by cursor until none', () => {
    const pages = pageNumberPages<unknown>({
      param: 'page',
      first: 1,
      items: (p) => itemsAt(p, 'data'),
    });
    expect(pages({ data: [1, 2] }, info(1))).toEqual({ query: { page: 2 } });
    expect(pages({ data: [] }, info(2))).toBeUndefined();
    const sized = pageNumberPages<unknown[]>({
      param: 'p',
      first: 0,
      items: (p) => p,
      pageSize: 2,
    });
    expect(sized([1, 2], info(1))).toEqual({ query: { p: 1 } });
    expect(sized([1], info(2))).toBeUndefined();
    const cursor = cursorPages({ param: 'after', nextField: 'meta.next' });
    expect(cursor({ meta: { next: 'c2' } }, info(1))).toEqual({ query: { after: 'c2' } });
    expect(cursor({ meta: { next: null } }, info(2))).toBeUndefined();
    expect(itemsAt([1], undefined)).toEqual([1]);
    expect(itemsAt({ items: 'no' }, 'items')).toEqual([]);
  });
});
