import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

let t: TestJunction;

beforeAll(async () => {
  t = await startTestJunction({ JUNCTION_ROLE: 'api' });
});
afterAll(async () => {
  await t?.close();
});

it('answers an internal error with a 500 problem that leaks no stack, SQL or connection string', async () => {
  // The database pool goes away under the running server: every query now throws.
  await t.junction.database.pool.end();
  const res = await t.request('/v1/tokens');
  expect(res.status).toBe(500);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const text = await res.text();
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status: 500, title: 'Internal server error' });
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  expect(text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(text).not.toMatch(/pool|select|postgres:\/\//i);
  const ready = await t.request('/readyz', { token: null });
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ checks: { database: 'failing' } });
});
