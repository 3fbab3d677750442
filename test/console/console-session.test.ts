import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../audit/audit-support.js';
import { createIntegrationRows } from '../support/create-integration-rows.js';
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

describe('console runs list', () => {
  it('pages 120 runs 50 at a time, newest first, with a cursor', async () => {
    const pool = t.junction.database.pool;
    await createIntegrationRows(pool, 'int_paged');
    await pool.query(
      `insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
         select 'ev_paged_' || n, 'int_paged', 1, 'paged-' || n, 'r' || n, '{}' from generate_series(1, 120) n`,
    );
    await pool.query(
      `insert into runs (id, event_id, integration_id, integration_version, source_record, state, max_attempts)
         select 'run_paged_' || lpad(n::text, 3, '0'), 'ev_paged_' || n, 'int_paged', 1, 'r' || n,
                case when n % 10 = 0 then 'dead' else 'succeeded' end, 3
           from generate_series(1, 120) n order by n`,
    );
    const user = consoleClient(t.url);
    await user.signIn(ADMIN_TOKEN);
    const seen: string[] = [];
    let path = '/console/runs?integration=int_paged';
    for (let page = 0; page < 5 && path; page++) {
      const res = await user.get(path);
      expect(res.status).toBe(200);
      seen.push(
        ...[...res.text.matchAll(/\/console\/runs\/(run_paged_\d+)"/g)].map((m) => m[1] as string),
      );
      const next = /href="([^"]+)" rel="next"/.exec(res.text)?.[1];
      path = next ? next.replaceAll('&amp;', '&') : '';
    }
    expect(seen.length).toBe(120);
    expect(new Set(seen).size).toBe(120);
    expect(seen[0]).toBe('run_paged_120');
    expect(seen.at(-1)).toBe('run_paged_001');
    const dead = await user.get('/console/runs?integration=int_paged&state=dead');
    expect([...dead.text.matchAll(/state state-dead/g)].length).toBe(12);
    const record = await user.get('/console/runs/rows?record=r42');
    expect(record.text).toContain('run_paged_042');
    expect(record.text).not.toContain('<html');
  });

  it('answers a bad filter with 400 and says which field is wrong, next to it', async () => {
    const user = consoleClient(t.url);
    await user.signIn(ADMIN_TOKEN);
    const res = await user.get('/console/runs?state=exploded&from=yesterday');
    expect(res.status).toBe(400);
    expect(res.text).toContain('id="state-error"');
    expect(res.text).toMatch(/id="from"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('No runs match');
  });
});

describe('console audit and tokens', () => {
  it('filters the audit trail and verifies its chain with one button', async () => {
    const user = consoleClient(t.url);
    await user.signIn(ADMIN_TOKEN);
    const signIns = await user.get('/console/audit?action=console.*');
    expect(signIns.status).toBe(200);
    expect(signIns.text).toContain('console.sign-in');
    expect(signIns.text).not.toContain('>token.create<');
    const verified = await user.get('/console/audit?verify=1&action=none.at.all');
    expect(verified.text).toContain('The chain verifies');
    const bad = await user.get('/console/audit?from=soon');
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('id="a-from-error"');
    const viewer = await createToken(t, 'viewer');
    const looker = consoleClient(t.url);
    await looker.signIn(viewer.token);
    expect((await looker.get('/console/audit')).status).toBe(403);
  });

  it('lets an admin make a token (shown once) and revoke it; others are refused', async () => {
    const admin = consoleClient(t.url);
    await admin.signIn(ADMIN_TOKEN);
    const bad = await admin.post('/console/tokens', {
      _csrf: admin.csrf,
      name: 'night shift',
      role: 'operator',
      integrations: 'int_nope',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('only reviewer tokens can be limited');
    expect(bad.text).toMatch(/id="t-integrations"[^>]*aria-invalid="true"/);
    const made = await admin.post('/console/tokens', {
      _csrf: admin.csrf,
      name: 'night shift',
      role: 'operator',
      integrations: '',
    });
    expect(made.status).toBe(201);
    const token = /id="made-token" value="(jct_[^"]+)"/.exec(made.text)?.[1] as string;
    expect(token).toBeTruthy();
    expect(made.headers.getSetCookie().join('')).not.toContain(token);
    const me = await t.request('/v1/me', { token });
    expect(me.status).toBe(200);
    const operator = consoleClient(t.url);
    await operator.signIn(token);
    expect((await operator.get('/console/tokens')).status).toBe(403);
    const forged = await operator.post('/console/tokens', {
      _csrf: operator.csrf,
      name: 'escalate',
      role: 'admin',
    });
    expect(forged.status).toBe(403);
    const { rows } = await t.junction.database.pool.query(
      "select id from api_tokens where name = 'night shift'",
    );
    const revoked = await admin.post(`/console/tokens/${rows[0].id}/revoke`, { _csrf: admin.csrf });
    expect(revoked.status).toBe(303);
    expect((await t.request('/v1/me', { token })).status).toBe(401);
    expect((await operator.get('/console/runs')).status).toBe(303);
    const escalated = await t.junction.database.pool.query(
      "select count(*)::int as n from api_tokens where name = 'escalate'",
    );
    expect(escalated.rows[0].n).toBe(0);
  });
});
