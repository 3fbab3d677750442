import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { destinationChanges } from './destination-changes.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let editor: string;

beforeAll(async () => {
  t = await startTestJunction();
  api = apiOf(t);
  editor = (await api.post('/v1/tokens', { name: 'editor', role: 'editor' })).body.token;
}, 60_000);
afterAll(() => t?.close());

async function patchAsEditor(id: string, etag: string, body: unknown) {
  const res = await t.request(`/v1/connections/${id}`, {
    method: 'PATCH',
    token: editor,
    headers: { 'content-type': 'application/json', 'if-match': etag },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

describe("an editor cannot send a connection's stored secrets somewhere else", () => {
  it.each(destinationChanges)('$name', async (change) => {
    const created = await api.post('/v1/connections', {
      name: change.name,
      connector: change.connector,
      credentials: change.credentials,
      settings: change.settings ?? {},
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const etag = created.headers.get('etag') ?? '';
    const stored = await t.junction.database.pool.query(
      'select secrets, settings, revision from connections where id = $1',
      [id],
    );
    const audits = await countRows(t, 'audit_entries');

    // The move alone: refused, with a pointer to each destination changed, nothing written.
    const refused = await patchAsEditor(id, etag, change.move);
    expect(pointersOf(refused, 422)).toEqual(change.pointers);
    expect(refused.body.detail).toContain('needs its secrets again');
    const after = await t.junction.database.pool.query(
      'select secrets, settings, revision from connections where id = $1',
      [id],
    );
    expect(after.rows).toEqual(stored.rows);
    expect(await countRows(t, 'audit_entries')).toBe(audits);

    // The same move with the secrets given again goes through, and is audited.
    const accepted = await patchAsEditor(id, etag, {
      ...change.move,
      credentials: { ...(change.move.credentials ?? {}), ...change.secretsAgain },
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body.revision).toBe(created.body.revision + 1);
    expect(await countRows(t, 'audit_entries')).toBe(audits + 1);
  });

  it('lets a change that keeps the destination go through without the secrets', async () => {
    const created = await api.post('/v1/connections', {
      name: 'Same origin',
      connector: 'http',
      credentials: { authKind: 'bearer', token: 'kept-token-123' },
      settings: { baseUrl: 'https://erp.internal/api/v1' },
    });
    const moved = await patchAsEditor(created.body.id, created.headers.get('etag') ?? '', {
      name: 'Same origin, other path',
      settings: { baseUrl: 'https://ERP.internal:443/api/v2', testPath: '/me' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.secrets).toEqual(expect.objectContaining({ token: 'set' }));
  });

  it('lets a connection with no secrets move freely', async () => {
    const created = await api.post('/v1/connections', {
      name: 'No secrets',
      connector: 'http',
      credentials: { authKind: 'none' },
      settings: { baseUrl: 'https://erp.internal' },
    });
    const moved = await patchAsEditor(created.body.id, created.headers.get('etag') ?? '', {
      settings: { baseUrl: 'https://elsewhere.example' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
  });
});
