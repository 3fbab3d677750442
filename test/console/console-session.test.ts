import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

async function auditActions(action: string): Promise<number> {
  const { rows } = await t.junction.database.pool.query(
    'select count(*)::int as n from audit_entries where action = $1',
    [action],
  );
  return rows[0].n as number;
}

describe('console sessions', () => {
  it('sends a visitor without a session to sign in, and keeps where they were going', async () => {
    const visitor = consoleClient(t.url);
    const res = await visitor.get('/console/runs?state=dead');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(
      '/console/sign-in?next=%2Fconsole%2Fruns%3Fstate%3Ddead',
    );
    const page = await visitor.get('/console/sign-in?next=%2Fconsole%2Fruns');
    expect(page.status).toBe(200);
    expect(page.text).toContain('name="next" value="/console/runs"');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses an unknown token and sets no cookie', async () => {
    const visitor = consoleClient(t.url);
    const res = await visitor.post('/console/sign-in', { token: 'jct_not-a-token' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('unknown or revoked');
    expect(visitor.cookie).toBe('');
  });

  it('keeps the session in an HttpOnly, SameSite=Strict cookie and only its hash in the database', async () => {
    const user = consoleClient(t.url);
    const res = await user.post('/console/sign-in', {
      token: ADMIN_TOKEN,
      next: '//evil.example/',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/console');
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).toMatch(/Path=\/console/);
    const id = user.cookie.split('=')[1] as string;
    const { rows } = await t.junction.database.pool.query(
      "select count(*)::int as n from console_sessions where id_hash = sha256(convert_to($1, 'UTF8'))",
      [id],
    );
    expect(rows[0].n).toBe(1);
    const plain = await t.junction.database.pool.query(
      "select count(*)::int as n from console_sessions where encode(id_hash, 'escape') like '%' || $1 || '%'",
      [id],
    );
    expect(plain.rows[0].n).toBe(0);
    const overview = await user.get('/console');
    expect(overview.status).toBe(200);
    expect(overview.text).toContain('Workers alive');
    expect(await auditActions('console.sign-in')).toBeGreaterThan(0);
  });

  it('refuses a form without the session CSRF token, or from another origin, and changes nothing', async () => {
    const user = consoleClient(t.url);
    await user.signIn(ADMIN_TOKEN);
    const before = await auditActions('console.sign-out');
    const missing = await user.post('/console/sign-out', {});
    expect(missing.status).toBe(403);
    const wrong = await user.post('/console/sign-out', { _csrf: 'x'.repeat(user.csrf.length) });
    expect(wrong.status).toBe(403);
    const elsewhere = await user.post(
      '/console/sign-out',
      { _csrf: user.csrf },
      { origin: 'https://evil.example' },
    );
    expect(elsewhere.status).toBe(403);
    expect(await auditActions('console.sign-out')).toBe(before);
    expect((await user.get('/console')).status).toBe(200);
  });

  it('signs out: the cookie is cleared and the old session id opens nothing', async () => {
    const user = consoleClient(t.url);
    await user.signIn(ADMIN_TOKEN);
    const oldCookie = user.cookie;
    const out = await user.post('/console/sign-out', { _csrf: user.csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/console/sign-in');
    expect(user.cookie).toBe('');
    const replayed = await fetch(`${t.url}/console`, {
      headers: { cookie: oldCookie },
      redirect: 'manual',
    });
    expect(replayed.status).toBe(303);
    expect(replayed.headers.get('location')).toMatch(/^\/console\/sign-in/);
  });

  it('ends the sessions of a revoked token at once', async () => {
    const viewer = await createToken(t, 'viewer');
    const user = consoleClient(t.url);
    await user.signIn(viewer.token);
    expect((await user.get('/console')).status).toBe(200);
    const revoked = await t.request(`/v1/tokens/${viewer.id}`, { method: 'DELETE' });
    expect(revoked.status).toBeLessThan(300);
    const after = await user.get('/console');
    expect(after.status).toBe(303);
  });

  it('answers a fragment request without a session with 401, not a redirect', async () => {
    const res = await fetch(`${t.url}/console/runs`, {
      headers: { 'x-console-fragment': '1' },
      redirect: 'manual',
    });
    expect(res.status).toBe(401);
  });
});
