import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import {
  deepExpressionText,
  deepObjectText,
  oversizedResults,
  prototypeFieldNames,
} from './mapping-attacks.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let hook: string;

/** Sends raw JSON text (bodies too deep for JSON.stringify) with the admin token. */
async function sendText(method: string, path: string, text: string, headers = {}) {
  const res = await t.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
  const body = (await res.json()) as Record<string, any>;
  return { status: res.status, headers: res.headers, body };
}

function trigger() {
  return {
    connector: 'http',
    trigger: 'webhook-received',
    connection: hook,
    settings: { signatureScheme: 'none' },
    recordKey: 'body.id',
  };
}

/** An integration definition whose one step maps `mappingText` (raw JSON), as text. */
function definitionText(mappingText: string): string {
  return `{"name":"Deep","trigger":${JSON.stringify(trigger())},"routes":[{"key":"all","steps":[{"kind":"action","key":"send","connector":"http","connection":"${hook}","action":"request","mapping":${mappingText}}]}]}`;
}

async function enabledIntegration(
  steps: unknown[] = [{ kind: 'filter', key: 'any', when: true }],
): Promise<{ id: string; url: string }> {
  const { id, hook } = await createEnabledIntegration(api, {
    name: 'Hostile input',
    trigger: trigger(),
    routes: [{ key: 'all', steps }],
  });
  return { id, url: `${t.url}${hook}` };
}

beforeAll(async () => {
  t = await startTestJunction({});
  api = apiOf(t);
  hook = (
    await api.post('/v1/connections', {
      name: 'Incoming',
      connector: 'http',
      credentials: { authKind: 'none' },
    })
  ).body.id;
}, 60_000);
afterAll(() => t?.close());

describe('input too deep for the process: 422 naming JUNCTION_JSON_MAX_DEPTH, nothing changed', () => {
  it('refuses a mapping nested 10,000 deep in a preview', async () => {
    const res = await sendText(
      'POST',
      '/v1/mappings/preview',
      `{"mapping":{"a":${deepExpressionText(10_000)}},"data":{}}`,
    );
    expect(pointersOf(res, 422)).toEqual([`/mapping/a${'/upper'.repeat(62)}`]);
    expect(res.body.limit).toBe('JUNCTION_JSON_MAX_DEPTH');
  });

  it('refuses preview data nested 5,000 deep', async () => {
    const res = await sendText(
      'POST',
      '/v1/mappings/preview',
      `{"mapping":{"a":{"var":"x"}},"data":${deepObjectText(5_000)}}`,
    );
    expect(pointersOf(res, 422)).toEqual([`/data${'/a'.repeat(63)}`]);
  });

  it('refuses saving an integration whose mapping is nested 10,000 deep, and stores nothing', async () => {
    const before = await countRows(t, 'integrations');
    const res = await sendText(
      'POST',
      '/v1/integrations',
      definitionText(`{"path":${deepExpressionText(10_000)}}`),
    );
    expect(res.status).toBe(422);
    expect(res.body.limit).toBe('JUNCTION_JSON_MAX_DEPTH');
    expect(await countRows(t, 'integrations')).toBe(before);
  });

  it('refuses a mapping deeper than the mapping limit but within the JSON limit, with a pointer', async () => {
    const res = await sendText(
      'POST',
      '/v1/integrations',
      definitionText(`{"path":${deepExpressionText(40)}}`),
    );
    const pointers = pointersOf(res, 422);
    expect(pointers.length).toBeGreaterThan(0);
    expect(pointers[0]).toMatch(/^\/routes\/0\/steps\/0\/mapping/);
    expect(JSON.stringify(res.body.errors)).toMatch(/maxDepth|deep/);
  });

  it('refuses connection settings nested 5,000 deep, and stores nothing', async () => {
    const before = await countRows(t, 'connections');
    const res = await sendText(
      'POST',
      '/v1/connections',
      `{"name":"Deep","connector":"http","credentials":{"authKind":"none"},"settings":{"baseUrl":"http://erp.example","extra":${deepObjectText(5_000)}}}`,
    );
    expect(pointersOf(res, 422)).toEqual([`/settings/extra${'/a'.repeat(62)}`]);
    expect(await countRows(t, 'connections')).toBe(before);
  });

  it('refuses an integration test event nested 5,000 deep', async () => {
    const { id } = await enabledIntegration();
    const res = await sendText(
      'POST',
      `/v1/integrations/${id}/test`,
      `{"event":${deepObjectText(5_000)}}`,
    );
    expect(res.status).toBe(422);
    expect(res.body.limit).toBe('JUNCTION_JSON_MAX_DEPTH');
  });

  it('refuses a webhook event nested 5,000 deep, and stores no event', async () => {
    const { url } = await enabledIntegration();
    const before = await countRows(t, 'events');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"id":"deep","x":${deepObjectText(5_000)}}`,
    });
    const body = (await res.json()) as { limit: string; errors: { pointer: string }[] };
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(body.limit).toBe('JUNCTION_JSON_MAX_DEPTH');
    expect(body.errors[0].pointer).toBe(`/body/x${'/a'.repeat(62)}`);
    expect(await countRows(t, 'events')).toBe(before);
  });
});

describe('results too large: 422 naming the mapping limit, never a 500', () => {
  it.each(oversizedResults)('preview of $name', async ({ expression, limit }) => {
    const res = await api.post('/v1/mappings/preview', { mapping: { big: expression }, data: {} });
    expect(pointersOf(res, 422)[0]).toMatch(/^\/mapping\/big/);
    expect(res.body.limit).toBe(limit);
  });

  it('an integration test whose mapping builds a result too large', async () => {
    const { id } = await enabledIntegration([
      {
        kind: 'action',
        key: 'send',
        connector: 'http',
        connection: hook,
        action: 'request',
        mapping: { path: oversizedResults[0]?.expression },
      },
    ]);
    const res = await api.post(`/v1/integrations/${id}/test`, { event: { body: { id: '1' } } });
    expect(pointersOf(res, 422)).toEqual(['/routes/0/steps/0/mapping/path']);
    expect(res.body.limit).toBe('maxStringLength');
  });

  it('date_add past the last date is an evaluation error of its field', async () => {
    const res = await api.post('/v1/mappings/preview', {
      mapping: { when: { date_add: ['2024-01-01', 1e300, 'day'] }, ok: 'yes' },
      data: {},
    });
    expect(res.status).toBe(200);
    expect(res.body.output).toEqual({ ok: 'yes' });
    expect(res.body.errors[0]).toMatchObject({ field: 'when' });
    expect(res.body.errors[0].detail).toMatch(/outside the range of dates/);
  });
});

describe('prototype names as output fields', () => {
  it.each(prototypeFieldNames)(
    'refuses "%s" at save with a pointer, and stores nothing',
    async (name) => {
      const before = await countRows(t, 'integration_versions');
      const mapping = `{"path":"/x",${JSON.stringify(name)}:{"var":"event.body.id"}}`;
      const res = await sendText('POST', '/v1/integrations', definitionText(mapping));
      expect(pointersOf(res, 422)).toContain(`/routes/0/steps/0/mapping/${name}`);
      expect(await countRows(t, 'integration_versions')).toBe(before);
    },
  );

  it('refuses a key "__proto__" anywhere in a request body, with a pointer', async () => {
    const res = await sendText(
      'POST',
      '/v1/mappings/preview',
      '{"mapping":{"a":1},"data":{"x":[{"__proto__":{"admin":true}}]}}',
    );
    expect(pointersOf(res, 422)).toEqual(['/data/x/0/__proto__']);
  });

  it.each(prototypeFieldNames)('refuses "%s" in a preview with a pointer', async (name) => {
    const res = await sendText(
      'POST',
      '/v1/mappings/preview',
      `{"mapping":{${JSON.stringify(name)}:1},"data":{}}`,
    );
    expect(pointersOf(res, 422)).toEqual([`/mapping/${name}`]);
  });
});

describe('text PostgreSQL cannot store in configuration', () => {
  it('answers 422, not 500, for a NUL character in a connection name, and stores nothing', async () => {
    const before = await countRows(t, 'connections');
    const res = await sendText(
      'POST',
      '/v1/connections',
      '{"name":"a\\u0000b","connector":"http","credentials":{"authKind":"none"}}',
    );
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(await countRows(t, 'connections')).toBe(before);
  });
});
