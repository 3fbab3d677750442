import { expect } from 'vitest';
import type { TestJunction } from './start-junction.js';

/** Something that sends requests to a Junction's API: a test Junction, or `requesterAt`. */
export type Requester = Pick<TestJunction, 'request'>;

/** Requests to the Junction at `url` (a child process), with `token` unless told otherwise. */
export function requesterAt(url: string, token: string): Requester {
  return {
    request(path, init = {}) {
      const { token: given = token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (given !== null && !headers.has('authorization'))
        headers.set('authorization', `Bearer ${given}`);
      return fetch(`${url}${path}`, { ...rest, headers });
    },
  };
}

/** JSON request helpers over a test Junction. */
export function apiOf(t: Requester) {
  const send = async (
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
    token?: string,
  ) => {
    const res = await t.request(path, {
      method,
      headers: payload === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: payload === undefined ? undefined : JSON.stringify(payload),
      ...(token ? { token } : {}),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
    const body: Record<string, any> = text ? JSON.parse(text) : {};
    return { status: res.status, headers: res.headers, body };
  };
  return {
    get: (path: string, headers?: Record<string, string>) => send('GET', path, undefined, headers),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    put: (path: string, body: unknown, headers?: Record<string, string>) =>
      send('PUT', path, body, headers),
    patch: (path: string, body: unknown, headers?: Record<string, string>) =>
      send('PATCH', path, body, headers),
    delete: (path: string, headers?: Record<string, string>) =>
      send('DELETE', path, undefined, headers),
    as: (token: string) => ({
      get: (path: string) => send('GET', path, undefined, {}, token),
      post: (path: string, body?: unknown, headers?: Record<string, string>) =>
        send('POST', path, body, headers, token),
    }),
  };
}

/** Counts rows of a table in the test database. */
export async function countRows(t: TestJunction, table: string): Promise<number> {
  const { rows } = await t.junction.database.pool.query(`select count(*)::int as n from ${table}`);
  return rows[0].n as number;
}

/** Checks a problem+json answer and returns its `errors` pointers, sorted. */
export function pointersOf(
  res: { status: number; headers: Headers; body: Record<string, unknown> },
  status: number,
): string[] {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return ((res.body.errors ?? []) as { pointer: string }[]).map((e) => e.pointer).sort();
}
