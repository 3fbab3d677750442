import { afterEach, describe, expect, it } from 'vitest';
import { acme } from './__fixtures__/acme-connector.js';
import { defineConnector } from './define-connector.js';
import { testAuth } from './test-auth.js';
import { createTestContext } from './testing/create-test-context.js';
import { startTestServer, type TestServer } from './testing/start-test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('testAuth', () => {
  const withTest = defineConnector({
    ...acme,
    auth: {
      ...acme.auth,
      test: async (ctx) => {
        await ctx.http.get('/me');
        return { ok: true };
      },
    },
  });

  it('reports ok, or the reason the hook failed', async () => {
    server = await startTestServer((req) =>
      req.headers['x-api-key'] === 'good' ? { body: { id: 'me' } } : { status: 401 },
    );
    const ctx = (apiKey: string) =>
      createTestContext({
        auth: withTest.auth,
        credentials: { apiKey },
        baseUrl: server?.url ?? '',
      });
    expect(await testAuth(withTest, ctx('good'))).toEqual({ ok: true });
    expect(await testAuth(withTest, ctx('bad'))).toEqual({ ok: false, reason: 'HTTP 401' });
    expect(await testAuth(acme, ctx('any'))).toEqual({ ok: true });
  });
});
