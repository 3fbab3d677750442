import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestJunction, type TestJunction } from '../support/start-junction.js';
import { auditRows, createToken, entriesAddedBy, problemOf } from './audit-support.js';

let junction: TestJunction;

beforeAll(async () => {
  junction = await startTestJunction();
});

afterAll(async () => {
  await junction?.close();
});

const json = { 'content-type': 'application/json' };

describe('token endpoints leave exactly the expected audit entries', () => {
  it('POST /v1/tokens records token.create with the caller as actor, in one entry', async () => {
    let requestId = '';
    let created: { id: string; token: string } | undefined;
    const added = await entriesAddedBy(junction.database.url, async () => {
      const response = await junction.request('/v1/tokens', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'deploy', role: 'editor' }),
      });
      expect(response.status).toBe(201);
      requestId = response.headers.get('x-request-id') ?? '';
      created = (await response.json()) as { id: string; token: string };
    });
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      actor: 'token:admin-env',
      action: 'token.create',
      subject_type: 'token',
      subject_id: created?.id,
      request_id: requestId,
      data: { after: { name: 'deploy', role: 'editor' } },
    });
  });

  it('the principal of the request is the actor: an admin token made by the API', async () => {
    const admin = await createToken(junction, 'admin', 'second admin');
    const added = await entriesAddedBy(junction.database.url, async () => {
      await createToken(
        { ...junction, request: (p, i) => junction.request(p, { ...i, token: admin.token }) },
        'viewer',
      );
    });
    expect(added).toHaveLength(1);
    expect(added[0]?.actor).toBe(`token:${admin.id}`);
  });

  it('GET /v1/tokens and GET /v1/me change nothing and record nothing', async () => {
    const added = await entriesAddedBy(junction.database.url, async () => {
      expect((await junction.request('/v1/tokens')).status).toBe(200);
      expect((await junction.request('/v1/me')).status).toBe(200);
    });
    expect(added).toEqual([]);
  });

  it('DELETE /v1/tokens/{id} records token.revoke once; again changes nothing', async () => {
    const victim = await createToken(junction, 'operator');
    const added = await entriesAddedBy(junction.database.url, async () => {
      expect((await junction.request(`/v1/tokens/${victim.id}`, { method: 'DELETE' })).status).toBe(
        200,
      );
    });
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      actor: 'token:admin-env',
      action: 'token.revoke',
      subject_id: victim.id,
      data: { before: { role: 'operator', revokedAt: null } },
    });
    const again = await entriesAddedBy(junction.database.url, async () => {
      const response = await junction.request(`/v1/tokens/${victim.id}`, { method: 'DELETE' });
      expect(response.status).toBe(200);
    });
    expect(again).toEqual([]);
    expect((await junction.request('/v1/me', { token: victim.token })).status).toBe(401);
  });

  it('bad input records nothing and creates nothing', async () => {
    const tokensBefore = (
      (await (await junction.request('/v1/tokens?limit=500')).json()) as {
        data: unknown[];
      }
    ).data.length;
    const added = await entriesAddedBy(junction.database.url, async () => {
      const unknown = await junction.request('/v1/tokens/tok_nope', { method: 'DELETE' });
      expect(unknown.status).toBe(404);
      expect((await problemOf(unknown)).detail).toBe('No token with id tok_nope.');
      const invalid = await junction.request('/v1/tokens', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'x', role: 'superuser' }),
      });
      expect(invalid.status).toBe(422);
      expect((await problemOf(invalid)).errors[0].pointer).toBe('/role');
    });
    expect(added).toEqual([]);
    const tokensAfter = (
      (await (await junction.request('/v1/tokens?limit=500')).json()) as {
        data: unknown[];
      }
    ).data.length;
    expect(tokensAfter).toBe(tokensBefore);
  });

  it('a forbidden request gets 403 problem+json, changes nothing, and leaves access.denied', async () => {
    const viewer = await createToken(junction, 'viewer');
    const added = await entriesAddedBy(junction.database.url, async () => {
      const response = await junction.request('/v1/tokens', {
        method: 'POST',
        token: viewer.token,
        headers: json,
        body: JSON.stringify({ name: 'sneaky', role: 'admin' }),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = await problemOf(response);
      expect(body).toMatchObject({ status: 403, permission: 'tokens:manage', role: 'viewer' });
      expect(body.detail).toMatch(/needs the permission tokens:manage/);
    });
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({
      actor: `token:${viewer.id}`,
      action: 'access.denied',
      subject_type: 'route',
      subject_id: 'POST /v1/tokens',
      data: { role: 'viewer', permission: 'tokens:manage' },
    });
    const names = (
      (await (await junction.request('/v1/tokens?limit=500')).json()) as {
        data: Array<{ name: string }>;
      }
    ).data.map((t) => t.name);
    expect(names).not.toContain('sneaky');
  });

  it('no token value or token hash appears anywhere in the audit table', async () => {
    const made = [await createToken(junction, 'admin'), await createToken(junction, 'reviewer')];
    const text = JSON.stringify(await auditRows(junction.database.url));
    const { createHash } = await import('node:crypto');
    for (const secret of [ADMIN_TOKEN, ...made.map((m) => m.token)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
      expect(text).not.toContain(secret.slice(4, 24));
    }
  });
});
