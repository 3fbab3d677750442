import { signHmacHex } from '@junction/connector-kit';
import { expect } from 'vitest';
import type { apiOf } from '../support/api.js';
import type { TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

export const CRM_KEY = 'crm-webhook-secret';

/** Creates a CRM connection (signed with CRM_KEY) named `name`; answers its id. */
export async function createCrmConnection(
  api: ReturnType<typeof apiOf>,
  name = 'CRM',
): Promise<string> {
  const created = await api.post('/v1/connections', {
    name,
    connector: 'test-crm',
    credentials: { apiKey: CRM_KEY },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/** Creates a connection to the test target at `baseUrl` named `name`; answers its id. */
export async function createTargetConnection(
  api: ReturnType<typeof apiOf>,
  baseUrl: string,
  name = 'ERP',
): Promise<string> {
  const created = await api.post('/v1/connections', {
    name,
    connector: 'test-target',
    credentials: { token: 'erp-token' },
    settings: { baseUrl },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}

/**
 * Creates and enables a CRM-to-target integration (the customer step creates, then updates the
 * linked record) and answers its id and webhook path.
 */
export async function createCustomerIntegration(
  api: ReturnType<typeof apiOf>,
  options: {
    name: string;
    targetUrl: string;
    retry: Record<string, number>;
    ordering?: 'hold' | 'refuse-stale';
  },
): Promise<{ id: string; hook: string }> {
  const crm = await api.post('/v1/connections', {
    name: `${options.name} CRM`,
    connector: 'test-crm',
    credentials: { apiKey: CRM_KEY },
  });
  const erp = await api.post('/v1/connections', {
    name: `${options.name} ERP`,
    connector: 'test-target',
    credentials: { token: 'erp-token' },
    settings: { baseUrl: options.targetUrl },
  });
  const created = await api.post('/v1/integrations', {
    name: options.name,
    trigger: {
      connector: 'test-crm',
      trigger: 'customer-changed',
      connection: crm.body.id,
      recordKey: 'id',
    },
    retry: options.retry,
    ...(options.ordering ? { ordering: options.ordering } : {}),
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'customer',
            connector: 'test-target',
            connection: erp.body.id,
            action: 'create-customer',
            linkedAction: 'update-customer',
            targetId: 'id',
            mapping: {
              id: { var: 'links.customer.targetId' },
              number: { cat: ['C-', { var: 'event.id' }] },
              name: { upper: { var: 'event.name' } },
              country: { var: 'event.country' },
              seq: { '??': [{ var: 'event.seq' }, 0] },
            },
          },
        ],
      },
    ],
  });
  await enable(api, created);
  return { id: created.body.id, hook: created.body.webhookPath };
}

/** Enables an integration just created (its 201 answer). */
export async function enable(
  api: ReturnType<typeof apiOf>,
  created: { status: number; headers: Headers; body: Record<string, unknown> },
): Promise<void> {
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
    'if-match': created.headers.get('etag') as string,
  });
  expect(enabled.status).toBe(200);
}

/**
 * Creates and enables an integration from the CRM connection to the target connection whose one
 * step (`customer`) calls `action` with a customer's number, name and country; answers its
 * webhook path.
 */
export async function createTargetIntegration(
  api: ReturnType<typeof apiOf>,
  options: { name: string; crm: string; erp: string; action: string },
): Promise<string> {
  const created = await api.post('/v1/integrations', {
    name: options.name,
    trigger: {
      connector: 'test-crm',
      trigger: 'customer-changed',
      connection: options.crm,
      recordKey: 'id',
    },
    retry: { maxAttempts: 5, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
    routes: [
      {
        key: 'all',
        steps: [
          {
            kind: 'action',
            key: 'customer',
            connector: 'test-target',
            connection: options.erp,
            action: options.action,
            targetId: 'id',
            mapping: {
              number: { cat: ['C-', { var: 'event.id' }] },
              name: { var: 'event.name' },
              country: { var: 'event.country' },
            },
          },
        ],
      },
    ],
  });
  await enable(api, created);
  return created.body.webhookPath;
}

let clock = Date.parse('2026-11-28T10:00:00.000Z');

/** Delivers a signed CRM webhook (a fresh updated_at each time) and answers the event id. */
export async function deliver(
  t: TestJunction,
  hook: string,
  event: Record<string, unknown>,
): Promise<string> {
  clock += 1000;
  const body = JSON.stringify({ updated_at: new Date(clock).toISOString(), ...event });
  const res = await t.request(hook, {
    method: 'POST',
    token: null,
    headers: {
      'content-type': 'application/json',
      'x-signature': signHmacHex({ secret: CRM_KEY, payload: body }),
    },
    body,
  });
  expect(res.status).toBe(202);
  const { events } = (await res.json()) as { events: { id: string }[] };
  return events[0]?.id as string;
}

/** The runs of an event, oldest first, as rows. */
export async function runsOfEvent(t: TestJunction, eventId: string) {
  const { rows } = await t.junction.database.pool.query(
    'select * from runs where event_id = $1 order by seq',
    [eventId],
  );
  return rows;
}

/** Waits until the newest run of an event is in one of `states`, and answers it. */
export function settled(
  t: TestJunction,
  eventId: string,
  states: readonly string[] = ['succeeded', 'dead'],
) {
  return until(async () => {
    const run = (await runsOfEvent(t, eventId)).at(-1);
    return run && states.includes(run.state) ? run : undefined;
  });
}
