import { createLogger } from '@junction/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { erp } from '../fixtures/connectors/erp.js';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { captureLogs } from '../support/log-capture.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

const SECRET = 'sup3r-secret-api-key-value';
let t: TestJunction;
let api: ReturnType<typeof apiOf>;
const logs = captureLogs();

beforeAll(async () => {
  t = await startTestJunction(
    { LOG_LEVEL: 'debug' },
    {
      connectors: createStaticConnectorSource([crm, erp('1.0.0')]),
      logger: createLogger('debug', logs.stream),
    },
  );
  api = apiOf(t);
});
afterAll(async () => {
  await t?.close();
});

describe('connections', () => {
  it('refuses bad credentials and unknown connectors, listing each problem, storing nothing', async () => {
    const missing = await api.post('/v1/connections', {
      name: 'CRM',
      connector: 'test-crm',
      credentials: {},
    });
    expect(pointersOf(missing, 422)).toEqual(['/credentials/apiKey']);
    const wrongType = await api.post('/v1/connections', {
      name: 'CRM',
      connector: 'test-crm',
      credentials: { apiKey: 42 },
    });
    expect(pointersOf(wrongType, 422)).toEqual(['/credentials/apiKey']);
    const unknown = await api.post('/v1/connections', { name: 'X', connector: 'nope' });
    expect(pointersOf(unknown, 422)).toEqual(['/connector']);
    const extra = await api.post('/v1/connections', {
      name: 'X',
      connector: 'test-crm',
      colour: 'red',
    });
    expect(pointersOf(extra, 422)).toEqual(['/colour']);
    expect(await countRows(t, 'connections')).toBe(0);
    expect(await countRows(t, 'audit_entries')).toBe(0);
  });

  it('stores secrets encrypted, never shows or logs them, and records the change', async () => {
    const created = await api.post('/v1/connections', {
      name: 'Acme CRM',
      connector: 'test-crm',
      credentials: { apiKey: SECRET },
      settings: { baseUrl: 'http://127.0.0.1:9/api' },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"r1"');
    expect(created.body).toMatchObject({
      name: 'Acme CRM',
      connector: 'test-crm',
      secrets: { apiKey: 'set' },
      credentials: {},
    });
    const id = created.body.id as string;

    const read = await api.get(`/v1/connections/${id}`);
    expect(read.headers.get('etag')).toBe('"r1"');
    const everything = JSON.stringify([
      created.body,
      read.body,
      (await api.get('/v1/connections')).body,
    ]);
    expect(everything).not.toContain(SECRET);

    const { rows } = await t.junction.database.pool.query(
      'select secrets::text as s, settings::text as settings from connections',
    );
    expect(rows[0].s).not.toContain(Buffer.from(SECRET).toString('hex'));
    expect(rows[0].settings).not.toContain(SECRET);
    const audit = await t.junction.database.pool.query(
      "select count(*)::int as n, string_agg(data::text, ' ') as all from audit_entries",
    );
    expect(audit.rows[0].n).toBe(1);
    expect(audit.rows[0].all).not.toContain(SECRET);
    expect(logs.text()).not.toContain(SECRET);
    expect(logs.text()).toContain(created.headers.get('x-request-id'));
  });

  it('needs If-Match to change or delete (428 missing, 412 stale), and keeps secrets not given', async () => {
    const created = await api.post('/v1/connections', {
      name: 'ERP',
      connector: 'test-erp',
      credentials: { username: 'sync', password: 'pw-1' },
    });
    const id = created.body.id as string;
    expect(created.body.credentials).toEqual({ username: 'sync' });
    expect(created.body.secrets).toEqual({ password: 'set' });

    const noMatch = await api.patch(`/v1/connections/${id}`, { name: 'ERP 2' });
    expect(noMatch.status).toBe(428);
    const stale = await api.patch(
      `/v1/connections/${id}`,
      { name: 'ERP 2' },
      { 'if-match': '"r7"' },
    );
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBe('"r1"');
    expect((await api.get(`/v1/connections/${id}`)).body.name).toBe('ERP');

    expect(stale.body.detail).toContain('with or without its double quotes');
    // The ETag without its quotes, as a shell passes -H "If-Match: "r1"", names it too.
    const renamed = await api.patch(
      `/v1/connections/${id}`,
      { name: 'ERP 2', credentials: { username: 'sync2' } },
      { 'if-match': 'r1' },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).toBe('"r2"');
    expect(renamed.body).toMatchObject({
      name: 'ERP 2',
      credentials: { username: 'sync2' },
      secrets: { password: 'set' },
    });
    const row = await t.junction.services.connections.get(id);
    expect(t.junction.services.connections.credentialsOf(row!)).toEqual({
      username: 'sync2',
      password: 'pw-1',
    });

    const unsetRequired = await api.patch(
      `/v1/connections/${id}`,
      { credentials: { password: null } },
      { 'if-match': '"r2"' },
    );
    expect(pointersOf(unsetRequired, 422)).toEqual(['/credentials/password']);
    expect((await api.get(`/v1/connections/${id}`)).headers.get('etag')).toBe('"r2"');

    expect((await api.delete(`/v1/connections/${id}`)).status).toBe(428);
    expect((await api.delete(`/v1/connections/${id}`, { 'if-match': '"r1"' })).status).toBe(412);
    expect((await api.delete(`/v1/connections/${id}`, { 'if-match': '"r2"' })).status).toBe(204);
    expect((await api.get(`/v1/connections/${id}`)).status).toBe(404);
  });

  it("tests credentials with the connector's test hook", async () => {
    const good = await api.post('/v1/connections', {
      name: 'good',
      connector: 'test-crm',
      credentials: { apiKey: 'good-key' },
    });
    const bad = await api.post('/v1/connections', {
      name: 'bad',
      connector: 'test-crm',
      credentials: { apiKey: 'bad-key' },
    });
    expect((await api.post(`/v1/connections/${good.body.id}/test`)).body).toEqual({
      ok: true,
      tested: true,
    });
    expect((await api.post(`/v1/connections/${bad.body.id}/test`)).body).toEqual({
      ok: false,
      tested: true,
      reason: 'The API key was refused.',
    });
    expect((await api.post('/v1/connections/con_missing/test')).status).toBe(404);
  });

  it('answers a retried create with the same Idempotency-Key with the first answer', async () => {
    const before = await countRows(t, 'connections');
    const body = { name: 'once', connector: 'test-crm', credentials: { apiKey: 'k' } };
    const first = await api.post('/v1/connections', body, { 'idempotency-key': 'create-once' });
    const again = await api.post('/v1/connections', body, { 'idempotency-key': 'create-once' });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await countRows(t, 'connections')).toBe(before + 1);
    const other = await api.post(
      '/v1/connections',
      { ...body, name: 'twice' },
      { 'idempotency-key': 'create-once' },
    );
    expect(other.status).toBe(422);
    expect(await countRows(t, 'connections')).toBe(before + 1);
  });

  it('lists with cursor pagination in a stable order', async () => {
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api.get(`/v1/connections?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...(page.body.data as { id: string }[]).map((c) => c.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(ids.length).toBe(await countRows(t, 'connections'));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
