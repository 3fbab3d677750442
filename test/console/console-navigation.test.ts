import { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../../core/src/auth/tokens.js';
import { createConsoleSessions } from '../../core/src/console/console-sessions.js';
import type { AppEnv } from '../../core/src/http/app-env.js';
import { registerConsoleRoutes } from '../../core/src/http/routes/console-routes.js';
import { consoleRunPages } from '../../core/src/http/routes/console-run-routes.js';
import { createToken } from '../audit/audit-support.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { consoleClient } from './console-client.js';

let t: TestJunction;
beforeAll(async () => {
  t = await startTestJunction();
});
afterAll(async () => {
  await t?.close();
});

/** The links of a page's section navigation. */
const navLinks = (html: string) =>
  [
    ...(/<nav aria-label="Console sections">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '').matchAll(
      />([^<>]+)<\/a>/g,
    ),
  ].map((m) => m[1]);

describe('console navigation', () => {
  it('links every section the process serves and the role permits', async () => {
    const admin = consoleClient(t.url);
    const page = await admin.signIn(ADMIN_TOKEN);
    const everySection = [
      ...['Overview', 'Runs', 'Review queue', 'Integrations', 'Syncs', 'Connections', 'Plugins'],
      ...['Audit', 'Tokens'],
    ];
    expect(navLinks(page.text)).toEqual(everySection);
    const viewer = consoleClient(t.url);
    await viewer.signIn((await createToken(t, 'viewer')).token);
    // A viewer lacks audit:read and tokens:manage.
    expect(navLinks((await viewer.get('/console/runs')).text)).toEqual(everySection.slice(0, 7));
  });

  it('leaves out the sections whose service this process lacks (plugins, syncs, reviews)', async () => {
    const db = t.junction.database.db;
    const app = new OpenAPIHono<AppEnv>();
    registerConsoleRoutes(app, {
      db,
      sessions: createConsoleSessions({
        db,
        tokens: createTokenVerifier(db, ADMIN_TOKEN),
        adminEnvToken: true,
      }),
      pages: [consoleRunPages(db)],
    });
    const signIn = await app.request('http://junction.test/console/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN_TOKEN, next: '/console/runs' }),
    });
    expect(signIn.status).toBe(303);
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const runs = await app.request('http://junction.test/console/runs', { headers: { cookie } });
    expect(runs.status).toBe(200);
    expect(navLinks(await runs.text())).toEqual(['Overview', 'Runs']);
    const syncs = await app.request('http://junction.test/console/syncs', { headers: { cookie } });
    expect(syncs.status).toBe(404);
  });
});
