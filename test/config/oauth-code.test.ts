import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { oauthApi } from '../fixtures/connectors/oauth-api.js';
import { targetApi } from '../fixtures/connectors/target-api.js';
import { apiOf, pointersOf } from '../support/api.js';
import { type Child, repoRoot, startNode } from '../support/child-process.js';
import { startOAuthServer } from '../support/oauth-server.js';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';

let oauth: Awaited<ReturnType<typeof startOAuthServer>>;
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
const children: Child[] = [];

beforeAll(async () => {
  oauth = await startOAuthServer({ refreshDelayMs: 300 });
  t = await startTestJunction(
    {},
    { connectors: createStaticConnectorSource([oauthApi(oauth.base), targetApi]) },
  );
  api = apiOf(t);
});
afterAll(async () => {
  for (const child of children) child.process.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited(15_000).catch(() => {})));
  await t?.close();
  await oauth?.close();
});

async function connection(credentials: Record<string, unknown>) {
  const created = await api.post('/v1/connections', {
    name: `oauth ${Math.random()}`,
    connector: 'oauth-api',
    credentials,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** The user's round trip: Junction's consent URL, the system's consent, the redirect back. */
async function authorize(id: string) {
  const consent = await api.post(`/v1/connections/${id}/oauth/authorize`);
  expect(consent.status, JSON.stringify(consent.body)).toBe(200);
  const back = oauth.consent(consent.body.authorizeUrl);
  const callback = `${back.redirectUri}?code=${back.code}&state=${back.state}`;
  return { consent: consent.body, back, callback };
}

async function auditOf(id: string, action: string) {
  const { rows } = await t.junction.database.pool.query(
    'select actor, data::text as data from audit_entries where subject_id = $1 and action = $2',
    [id, action],
  );
  return rows as { actor: string; data: string }[];
}

describe('OAuth 2.0 authorization-code grant', () => {
  it('gives a consent URL with state and PKCE, and the redirect back stores the tokens once', async () => {
    const id = await connection({ clientId: 'junction', clientSecret: 'shh' });
    const { consent, back, callback } = await authorize(id);
    const url = new URL(consent.authorizeUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${oauth.base}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'junction',
      redirect_uri: `${t.url}/oauth/callback`,
      scope: 'contacts offline',
      code_challenge_method: 'S256',
    });
    expect(back.state).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(Date.parse(consent.expiresAt)).toBeGreaterThan(Date.now());

    const done = await fetch(callback);
    expect(done.status).toBe(200);
    expect(await done.json()).toEqual({ connection: id, authorized: true });
    const view = await api.get(`/v1/connections/${id}`);
    expect(view.body.secrets).toMatchObject({ accessToken: 'set', refreshToken: 'set' });
    expect(JSON.stringify(view.body)).not.toContain('access-');
    const [entry, ...more] = await auditOf(id, 'connection.oauth.authorize');
    expect(more).toEqual([]);
    expect(entry?.actor).toBe('token:admin-env');
    expect(entry?.data).not.toMatch(/access-|refresh-/);
    expect((await api.post(`/v1/connections/${id}/test`)).body).toEqual({ ok: true, tested: true });

    // The state is used once: the same redirect again changes nothing.
    const revision = view.body.revision;
    const again = await fetch(callback);
    expect(
      pointersOf(
        {
          status: again.status,
          headers: again.headers,
          body: (await again.json()) as Record<string, unknown>,
        },
        400,
      ),
    ).toEqual(['/state']);
    expect((await api.get(`/v1/connections/${id}`)).body.revision).toBe(revision);
  });

  it('refuses bad redirects, unfit connections and callers without config:write, changing nothing', async () => {
    const id = await connection({ clientId: 'junction', clientSecret: 'shh' });
    const forged = await fetch(`${t.url}/oauth/callback?code=x&state=forged`);
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toBe('application/problem+json');
    const noState = await fetch(`${t.url}/oauth/callback?code=x`);
    expect(noState.status).toBe(400);

    const denied = await authorize(id);
    const refused = await fetch(
      `${denied.back.redirectUri}?error=access_denied&error_description=No&state=${denied.back.state}`,
    );
    const problem = (await refused.json()) as { detail: string };
    expect(refused.status).toBe(400);
    expect(problem.detail).toBe('The system refused the authorization: access_denied (No).');
    const badCode = await authorize(id);
    const wrong = await fetch(
      `${badCode.back.redirectUri}?code=not-issued&state=${badCode.back.state}`,
    );
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { detail: string }).detail).toContain('invalid_grant');
    expect((await api.get(`/v1/connections/${id}`)).body.secrets.accessToken).toBe('unset');
    expect(await auditOf(id, 'connection.oauth.authorize')).toEqual([]);

    const bearer = await api.post('/v1/connections', {
      name: 'not oauth',
      connector: 'test-target',
      credentials: { token: 't' },
    });
    const unfit = await api.post(`/v1/connections/${bearer.body.id}/oauth/authorize`);
    expect(unfit.status).toBe(409);
    expect(unfit.body.detail).toBe(
      'The connector "test-target" does not use the OAuth 2.0 authorization-code grant.',
    );
    expect((await api.post('/v1/connections/con_missing/oauth/authorize')).status).toBe(404);
    const operator = await api.post('/v1/tokens', { name: 'ops', role: 'operator' });
    const asOperator = await api
      .as(operator.body.token)
      .post(`/v1/connections/${id}/oauth/authorize`);
    expect(asOperator.status).toBe(403);
    const { rows } = await t.junction.database.pool.query(
      'select count(*)::int as n from oauth_authorizations where connection_id = $1',
      [id],
    );
    expect(rows[0].n).toBe(0); // every grant above was used up or never made
  });

  it('refreshes a token the API refuses (401) before its expiry, once, rotating the refresh token', async () => {
    const id = await connection({ clientId: 'junction', clientSecret: 'shh' });
    const { callback } = await authorize(id);
    expect((await fetch(callback)).status).toBe(200);
    const before = oauth.stats.refreshes;
    oauth.revoke();
    expect((await api.post(`/v1/connections/${id}/test`)).body).toEqual({ ok: true, tested: true });
    expect(oauth.stats.refreshes).toBe(before + 1);
    const refresh = await auditOf(id, 'connection.token.refresh');
    expect(refresh).toHaveLength(1);
    expect(JSON.parse(refresh[0]?.data ?? '{}')).toMatchObject({
      reason: 'rejected',
      refreshTokenRotated: true,
    });
    expect((await api.post(`/v1/connections/${id}/test`)).body.ok).toBe(true);
    expect(oauth.stats.refreshes).toBe(before + 1);
    expect(oauth.stats.reused).toBe(0);
  });

  it('refreshes once when two Junction processes find the token expired at the same time', async () => {
    const id = await connection({ clientId: 'junction', clientSecret: 'shh' });
    const { callback } = await authorize(id);
    expect((await fetch(callback)).status).toBe(200);
    const etag = (await api.get(`/v1/connections/${id}`)).headers.get('etag') as string;
    const expired = await api.patch(
      `/v1/connections/${id}`,
      { credentials: { expiresAt: '2020-01-01T00:00:00.000Z' } },
      { 'if-match': etag },
    );
    expect(expired.status).toBe(200);
    const urls: string[] = [];
    for (const name of ['a', 'b']) {
      const child = startNode(
        ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/oauth-process.ts')],
        {
          DATABASE_URL: t.database.url,
          PORT: '0',
          JUNCTION_ADMIN_TOKEN: ADMIN_TOKEN,
          JUNCTION_SECRET_KEY: '5f'.repeat(32),
          JUNCTION_DATA_DIR: path.join(os.tmpdir(), `junction-oauth-${name}-${process.pid}`),
          OAUTH_BASE: oauth.base,
        },
      );
      children.push(child);
      urls.push((await child.waitFor(/listening on (http:\/\/[0-9.:]+)/, 60_000))[1] as string);
    }
    const before = oauth.stats.refreshes;
    const tests = await Promise.all(
      [...urls, ...urls, ...urls].map((base) =>
        fetch(`${base}/v1/connections/${id}/test`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        }).then((r) => r.json()),
      ),
    );
    expect(tests).toEqual(tests.map(() => ({ ok: true, tested: true })));
    expect(oauth.stats.refreshes).toBe(before + 1);
    expect(oauth.stats.reused).toBe(0);
    expect(await auditOf(id, 'connection.token.refresh')).toHaveLength(1);
  }, 120_000);
});
