import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { erp } from '../fixtures/connectors/erp.js';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let crmConnection: string;
let erpConnection: string;

beforeAll(async () => {
  t = await startTestJunction(
    {},
    { connectors: createStaticConnectorSource([crm, erp('1.0.0'), erp('2.0.0'), erp('3.0.0')]) },
  );
  api = apiOf(t);
  crmConnection = (
    await api.post('/v1/connections', {
      name: 'CRM',
      connector: 'test-crm',
      credentials: { apiKey: 'k' },
    })
  ).body.id;
  erpConnection = (
    await api.post('/v1/connections', {
      name: 'ERP',
      connector: 'test-erp',
      credentials: { username: 'u', password: 'p' },
    })
  ).body.id;
});
afterAll(async () => {
  await t?.close();
});

function definition(overrides: Record<string, unknown> = {}) {
  return {
    name: 'CRM customers to ERP',
    trigger: { connector: 'test-crm', trigger: 'customer-changed', connection: crmConnection },
    routing: 'first',
    routes: [
      {
        key: 'europe',
        when: { in: [{ var: 'event.country' }, ['FR', 'DE', 'NL']] },
        steps: [
          { kind: 'filter', key: 'named', when: { '!!': { var: 'event.name' } } },
          {
            kind: 'action',
            key: 'upsert',
            connector: 'test-erp',
            version: '1.0.0',
            connection: erpConnection,
            action: 'upsert-customer',
            mapping: {
              number: { cat: ['C-', { var: 'event.id' }] },
              name: { upper: { trim: { var: 'event.name' } } },
              country: { var: 'event.country' },
              vip: { '??': [{ var: 'event.vip' }, false] },
            },
          },
        ],
      },
      {
        key: 'rest',
        steps: [
          {
            kind: 'action',
            key: 'upsert',
            connector: 'test-erp',
            connection: erpConnection,
            action: 'upsert-customer',
            mapping: { number: { var: 'event.id' }, name: { var: 'event.name' }, country: 'ZZ' },
          },
        ],
      },
    ],
    ...overrides,
  };
}

describe('integrations', () => {
  it('creates a checked integration as version 1, disabled, with connector versions pinned', async () => {
    const res = await api.post('/v1/integrations', definition());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.headers.get('etag')).toBe('"r1"');
    expect(res.body).toMatchObject({ version: 1, enabled: false, name: 'CRM customers to ERP' });
    expect(res.body.definition.trigger.version).toBe('1.0.0');
    expect(res.body.definition.routes[1].steps[0].version).toBe('3.0.0');
  });

  it('answers every problem of a wrong definition at once, each with a pointer, and stores nothing', async () => {
    const integrations = await countRows(t, 'integrations');
    const audit = await countRows(t, 'audit_entries');
    const bad = definition({
      trigger: { connector: 'test-crm', trigger: 'customer-deleted', connection: erpConnection },
      routes: [
        {
          key: 'all',
          when: { method: [{ var: 'event.name' }, 'toUpperCase'] },
          steps: [
            {
              kind: 'action',
              key: 'a',
              connector: 'test-erp',
              version: '9.9.9',
              connection: erpConnection,
              action: 'upsert-customer',
              mapping: {},
            },
            {
              kind: 'action',
              key: 'b',
              connector: 'test-erp',
              connection: 'con_missing',
              action: 'upsert-customer',
              mapping: {
                number: { var: 'event.id' },
                nmae: { var: 'event.name' },
                name: { shout: [{ var: 'event.name' }] },
                country: 'France',
                credit_limit: 'lots',
              },
            },
            { kind: 'action', key: 'c', connector: 'nope', action: 'x', mapping: {} },
            {
              kind: 'action',
              key: 'd',
              connector: 'test-erp',
              connection: erpConnection,
              action: 'explode',
              mapping: {},
            },
          ],
        },
      ],
    });
    const res = await api.post('/v1/integrations', bad);
    const pointers = pointersOf(res, 422);
    expect(pointers).toEqual(
      [
        '/trigger/connection', // an ERP connection for the CRM
        '/trigger/trigger', // no such trigger
        '/routes/0/when', // `method` is not allowed
        '/routes/0/steps/0/version', // version not installed
        '/routes/0/steps/1/connection', // unknown connection
        '/routes/0/steps/1/mapping/nmae', // no such input field
        '/routes/0/steps/1/mapping/name', // unknown operation
        '/routes/0/steps/1/mapping/country', // constant not in the enum
        '/routes/0/steps/1/mapping/credit_limit', // constant of the wrong type
        '/routes/0/steps/2/connector', // unknown connector
        '/routes/0/steps/3/action', // unknown action
      ].sort(),
    );
    const details = (res.body.errors as { pointer: string; detail: string }[])
      .map((e) => e.detail)
      .join('\n');
    expect(details).toMatch(
      /version 9\.9\.9 of "test-erp" is not installed \(installed: 3\.0\.0, 2\.0\.0, 1\.0\.0\)/,
    );
    expect(details).toMatch(/no input field "nmae"/);
    expect(await countRows(t, 'integrations')).toBe(integrations);
    expect(await countRows(t, 'audit_entries')).toBe(audit);
  });

  it('refuses an unmapped required field and a var path the trigger does not have', async () => {
    const res = await api.post(
      '/v1/integrations',
      definition({
        routes: [
          {
            key: 'only',
            steps: [
              {
                kind: 'action',
                key: 'u',
                connector: 'test-erp',
                version: '1.0.0',
                connection: erpConnection,
                action: 'upsert-customer',
                mapping: {
                  number: { var: 'event.id' },
                  name: { var: 'event.full_name' },
                  vip: { var: 'event.address.street' },
                },
              },
            ],
          },
        ],
      }),
    );
    expect(pointersOf(res, 422)).toEqual([
      '/routes/0/steps/0/mapping',
      '/routes/0/steps/0/mapping/name',
      '/routes/0/steps/0/mapping/vip',
    ]);
    const details = (res.body.errors as { detail: string }[]).map((e) => e.detail);
    expect(details).toEqual(
      expect.arrayContaining([
        'required input field "country" of "upsert-customer" is not mapped',
        expect.stringMatching(/"event" has no field "full_name"/),
        expect.stringMatching(/"event.address" has no field "street"/),
      ]),
    );
  });

  it('checks trigger and action settings against the fields their connector declares', async () => {
    const res = await api.post(
      '/v1/integrations',
      definition({
        trigger: {
          connector: 'test-crm',
          trigger: 'customer-changed',
          connection: crmConnection,
          settings: { table: 'x' },
        },
      }),
    );
    expect(pointersOf(res, 422)).toEqual(['/trigger/settings/table']);
  });

  it('refuses hostile and malformed definitions with a problem naming the place', async () => {
    const before = await countRows(t, 'integrations');
    let deep: unknown = { var: 'event.name' };
    for (let i = 0; i < 200; i++) deep = { '!': [deep] };
    const tooDeep = await api.post(
      '/v1/integrations',
      definition({
        routes: [{ key: 'r', when: deep, steps: [{ kind: 'filter', key: 'f', when: true }] }],
      }),
    );
    expect(pointersOf(tooDeep, 422)[0]).toMatch(/^\/routes\/0\/when/);
    const proto = await api.post(
      '/v1/integrations',
      definition({
        routes: [
          {
            key: 'r',
            when: { var: 'event.constructor.prototype' },
            steps: [{ kind: 'filter', key: 'f', when: true }],
          },
        ],
      }),
    );
    expect(pointersOf(proto, 422)).toEqual(['/routes/0/when']);
    const unknownField = await api.post('/v1/integrations', { ...definition(), colour: 'red' });
    expect(pointersOf(unknownField, 422)).toEqual(['/colour']);
    const wrongType = await api.post('/v1/integrations', definition({ routes: 'all' }));
    expect(pointersOf(wrongType, 422)).toEqual(['/routes']);
    const malformed = await t.request('/v1/integrations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(malformed.status).toBe(400);
    const huge = await api.post(
      '/v1/integrations',
      definition({ description: 'x'.repeat(2_000_000) }),
    );
    expect(huge.status).toBe(413);
    expect(await countRows(t, 'integrations')).toBe(before);
  });

  it('keeps every version immutable; writes need If-Match; enable and disable', async () => {
    const created = await api.post('/v1/integrations', definition({ name: 'versioned' }));
    const id = created.body.id as string;
    const changed = definition({ name: 'versioned v2', routing: 'all' });
    expect((await api.put(`/v1/integrations/${id}`, changed)).status).toBe(428);
    expect((await api.put(`/v1/integrations/${id}`, changed, { 'if-match': '"r0"' })).status).toBe(
      412,
    );
    const v2 = await api.put(`/v1/integrations/${id}`, changed, { 'if-match': '"r1"' });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ version: 2, name: 'versioned v2' });
    const stale = await api.put(`/v1/integrations/${id}`, definition({ name: 'lost update' }), {
      'if-match': '"r1"',
    });
    expect(stale.status).toBe(412);

    const versions = await api.get(`/v1/integrations/${id}/versions`);
    expect((versions.body.data as { version: number }[]).map((v) => v.version)).toEqual([2, 1]);
    expect((await api.get(`/v1/integrations/${id}/versions/1`)).body.definition.name).toBe(
      'versioned',
    );
    expect((await api.get(`/v1/integrations/${id}/versions/3`)).status).toBe(404);

    const enabled = await api.post(`/v1/integrations/${id}/enable`, undefined, {
      'if-match': v2.headers.get('etag') as string,
    });
    expect(enabled.body).toMatchObject({ enabled: true, version: 2 });
    const disabled = await api.post(`/v1/integrations/${id}/disable`, undefined, {
      'if-match': enabled.headers.get('etag') as string,
    });
    expect(disabled.body.enabled).toBe(false);

    const { rows } = await t.junction.database.pool.query(
      `select action from audit_entries where subject_id = $1 order by id`,
      [id],
    );
    expect(rows.map((r) => r.action)).toEqual([
      'integration.create',
      'integration.update',
      'integration.enable',
      'integration.disable',
    ]);
  });

  it('upgrades to another connector version only when every mapping still fits', async () => {
    const created = await api.post('/v1/integrations', definition({ name: 'upgradable' }));
    const id = created.body.id as string;
    const etag = created.headers.get('etag') as string;
    const broken = await api.post(
      `/v1/integrations/${id}/upgrade`,
      { connector: 'test-erp', version: '3.0.0' },
      { 'if-match': etag },
    );
    expect(pointersOf(broken, 422)).toEqual(['/routes/0/steps/1/mapping/vip']);
    expect(broken.body.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: expect.stringContaining('/actions/upsert-customer/input'),
        }),
      ]),
    );
    expect((await api.get(`/v1/integrations/${id}`)).body.version).toBe(1);
    const missing = await api.post(
      `/v1/integrations/${id}/upgrade`,
      { connector: 'test-erp', version: '9.0.0' },
      { 'if-match': etag },
    );
    expect(pointersOf(missing, 422)).toEqual([
      '/routes/0/steps/1/version',
      '/routes/1/steps/0/version',
    ]);
    const upgraded = await api.post(
      `/v1/integrations/${id}/upgrade`,
      { connector: 'test-erp', version: '2.0.0' },
      { 'if-match': etag },
    );
    expect(upgraded.status).toBe(200);
    expect(upgraded.body.version).toBe(2);
    expect(upgraded.body.definition.routes[0].steps[1].version).toBe('2.0.0');
    expect(upgraded.body.definition.routes[1].steps[0].version).toBe('2.0.0');
    const { rows } = await t.junction.database.pool.query(
      'select distinct connector_version from integration_dependencies where integration_id = $1 and version = 2 and connector_id = $2',
      [id, 'test-erp'],
    );
    expect(rows).toEqual([{ connector_version: '2.0.0' }]);
  });

  it('refuses to delete a connection an integration uses, naming it', async () => {
    const connection = await api.get(`/v1/connections/${erpConnection}`);
    const res = await api.delete(`/v1/connections/${erpConnection}`, {
      'if-match': connection.headers.get('etag') as string,
    });
    expect(res.status).toBe(409);
    expect(res.body.detail).toMatch(/used by \d+ integration/);
    expect((await api.get(`/v1/connections/${erpConnection}`)).status).toBe(200);
  });
});

describe('try before live', () => {
  it('previews a mapping with its output and per-field errors, storing nothing', async () => {
    const audit = await countRows(t, 'audit_entries');
    const res = await api.post('/v1/mappings/preview', {
      mapping: {
        name: { upper: { var: 'event.name' } },
        country: { lookup: [{ France: 'FR', Germany: 'DE' }, { var: 'event.country' }, 'ZZ'] },
        since: { date_format: [{ var: 'event.since' }, 'yyyy-MM-dd', 'Europe/Paris'] },
        limit: { number_parse: [{ var: 'event.limit' }] },
      },
      data: {
        event: { name: 'ada', country: 'France', since: '2026-03-01T23:30:00Z', limit: 'n/a' },
      },
      target: { connector: 'test-erp', action: 'upsert-customer' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.output).toMatchObject({ name: 'ADA', country: 'FR', since: '2026-03-02' });
    expect(res.body.ok).toBe(false);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toContain('number'); // required by the action, not mapped
    expect(await countRows(t, 'audit_entries')).toBe(audit);
  });

  it('refuses an invalid mapping with pointers', async () => {
    const res = await api.post('/v1/mappings/preview', {
      mapping: { a: { method: [{ var: 'x' }, 'constructor'] }, b: { var: ['a', 'b', 'c', 'd'] } },
      data: {},
    });
    expect(pointersOf(res, 422)).toEqual(expect.arrayContaining(['/mapping/a']));
  });

  it('never reads prototypes through var', async () => {
    const res = await api.post('/v1/mappings/preview', {
      mapping: {
        a: { var: 'event.constructor.prototype' },
        b: { var: '__proto__' },
        c: { var: 'event.toString' },
      },
      data: { event: {} },
    });
    expect(res.body.output).toEqual({ a: null, b: null, c: null });
  });

  it('dry-runs an event through routes and mappings without side effects', async () => {
    const created = await api.post('/v1/integrations', definition({ name: 'dry' }));
    const id = created.body.id as string;
    const audit = await countRows(t, 'audit_entries');
    const europe = await api.post(`/v1/integrations/${id}/test`, {
      event: { id: '42', name: ' Ada ', country: 'FR', updated_at: '2026-01-01T00:00:00Z' },
    });
    expect(europe.status).toBe(200);
    expect(europe.body).toMatchObject({ matchedRoutes: ['europe'], ok: true });
    expect(europe.body.steps).toEqual([
      expect.objectContaining({ step: 'named', kind: 'filter', passes: true }),
      expect.objectContaining({
        step: 'upsert',
        input: { number: 'C-42', name: 'ADA', country: 'FR', vip: false },
        problems: [],
      }),
    ]);
    const elsewhere = await api.post(`/v1/integrations/${id}/test`, {
      event: { id: '7', name: 'Bob', country: 'Mars' },
    });
    expect(elsewhere.body.matchedRoutes).toEqual(['rest']);
    const filtered = await api.post(`/v1/integrations/${id}/test`, {
      event: { id: '8', name: '', country: 'DE' },
    });
    expect(filtered.body.steps).toEqual([
      expect.objectContaining({ step: 'named', passes: false }),
    ]);
    const broken = await api.post(`/v1/integrations/${id}/test`, {
      event: { id: '9', country: 'US' },
    });
    expect(broken.body.ok).toBe(false);
    expect(broken.body.steps[0].problems[0].pointer).toBe('/routes/1/steps/0/mapping/name');
    expect(await countRows(t, 'audit_entries')).toBe(audit);
  });
});
