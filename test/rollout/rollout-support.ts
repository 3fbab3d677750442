import { expect } from 'vitest';
import { apiOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import type { TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

/** The steps of an orders integration over the rollout ERP fixture: look the customer up, upsert the order. */
export const orderSteps = {
  trigger: { connector: 'test-rollout-erp', trigger: 'order-received', recordKey: 'number' },
  lookup: {
    kind: 'action',
    key: 'customer',
    connector: 'test-rollout-erp',
    action: 'find-customer',
    mapping: { id: { var: 'event.customerId' } },
  },
  upsert: {
    kind: 'action',
    key: 'order',
    connector: 'test-rollout-erp',
    action: 'upsert-order',
    mapping: {
      number: { var: 'event.number' },
      customer: { upper: { var: 'steps.customer.name' } },
      total: { number_parse: [{ var: 'event.total' }, '.'] },
      status: { var: 'event.status' },
    },
  },
  notTest: { kind: 'filter', key: 'real', when: { '!=': [{ var: 'event.status' }, 'test'] } },
} as const;

/** Helpers over one test Junction for rollout tests. */
export function rolloutHelpers(t: TestJunction) {
  const api = apiOf(t);
  const query = async (text: string, values: unknown[] = []) =>
    (await t.junction.database.pool.query(text, values)).rows;

  async function integration(definition: Record<string, unknown>) {
    return createEnabledIntegration(api, definition);
  }

  /** Moves an integration to `stage` (reading its ETag first); returns the answer. */
  async function setStage(id: string, body: Record<string, unknown>) {
    const read = await api.get(`/v1/integrations/${id}/rollout`);
    expect(read.status).toBe(200);
    return api.put(`/v1/integrations/${id}/rollout`, body, {
      'if-match': read.headers.get('etag') as string,
    });
  }

  async function token(role: string) {
    const made = await api.post('/v1/tokens', { name: `rollout ${role}`, role });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    return made.body.token as string;
  }

  /** Posts an event to a webhook; answers the response status and body. */
  async function send(hook: string, body: Record<string, unknown>) {
    const res = await t.request(hook, {
      method: 'POST',
      token: null,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered.
    const answer = (await res.json()) as Record<string, any>;
    return { status: res.status, body: answer };
  }

  /** The run of the event with dedupe key `id`, once it is in one of `states`. */
  function runOf(id: string, states = ['waiting', 'succeeded', 'dead', 'cancelled']) {
    return until(async () => {
      const [run] = await query(
        `select r.* from runs r join events e on e.id = r.event_id
         where e.dedupe_key = $1 and r.state = any($2::text[])`,
        [id, states],
      );
      return run;
    });
  }

  return { api, query, integration, setStage, token, send, runOf };
}
