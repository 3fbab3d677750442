import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { crm } from '../fixtures/connectors/crm.js';
import { slowTarget } from '../fixtures/connectors/slow-target.js';
import { apiOf, countRows, pointersOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createCrmConnection, deliver, settled } from './operations-support.js';

let t: TestJunction;
let api: ReturnType<typeof apiOf>;
let crmConnection: string;

/** An enabled integration whose one step calls `action` with `mapping`, with `step` added. */
async function integrationCalling(
  action: string,
  mapping: Record<string, unknown>,
  step: Record<string, unknown> = {},
) {
  const { hook } = await createEnabledIntegration(api, {
    name: `slow ${action} ${JSON.stringify(step)}`,
    trigger: { connector: 'test-crm', trigger: 'customer-changed', connection: crmConnection },
    retry: { maxAttempts: 1 },
    routes: [
      {
        key: 'all',
        steps: [{ kind: 'action', key: 'call', connector: 'test-slow', action, mapping, ...step }],
      },
    ],
  });
  return hook;
}

const event = { id: 'c-1', name: 'Ada', country: 'FR' };

beforeAll(async () => {
  // The default step timeout is 500 ms here, so that longer timeouts show in a short test.
  t = await startTestJunction(
    { JUNCTION_STEP_TIMEOUT_MS: '500' },
    { connectors: createStaticConnectorSource([crm, slowTarget]) },
  );
  api = apiOf(t);
  crmConnection = await createCrmConnection(api);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('step timeouts', () => {
  it('cuts a step at the default timeout when neither the step nor the action sets one', async () => {
    const hook = await integrationCalling('wait', { ms: 1500 });
    const run = await settled(t, await deliver(t, hook, event));
    expect(run.state).toBe('dead');
    expect(run.last_error.message).toMatch(/did not finish within 500 ms/);
  });

  it("honours an action's own longer timeout instead of cutting it at the default", async () => {
    const hook = await integrationCalling('wait-declared', { ms: 1200, timeoutMs: 5000 });
    const run = await settled(t, await deliver(t, hook, event));
    expect(run.state).toBe('succeeded');
  });

  it("applies the step's own timeoutMs, shorter or longer than the action's", async () => {
    const shorter = await integrationCalling(
      'wait-declared',
      { ms: 1200, timeoutMs: 5000 },
      { timeoutMs: 300 },
    );
    const cut = await settled(t, await deliver(t, shorter, event));
    expect(cut.state).toBe('dead');
    expect(cut.last_error.message).toMatch(/did not finish within 300 ms/);

    const longer = await integrationCalling('wait', { ms: 1200 }, { timeoutMs: 5000 });
    expect((await settled(t, await deliver(t, longer, event))).state).toBe('succeeded');
  });

  it('refuses at save a step timeout above the maximum (15 minutes), with a pointer, storing nothing', async () => {
    const before = await countRows(t, 'integrations');
    const res = await api.post('/v1/integrations', {
      name: 'too slow',
      trigger: { connector: 'test-crm', trigger: 'customer-changed', connection: crmConnection },
      routes: [
        {
          key: 'all',
          steps: [
            {
              kind: 'action',
              key: 'call',
              connector: 'test-slow',
              action: 'wait',
              mapping: { ms: 1 },
              timeoutMs: 900_001,
            },
          ],
        },
      ],
    });
    expect(pointersOf(res, 422)).toEqual(['/routes/0/steps/0/timeoutMs']);
    expect(JSON.stringify(res.body.errors)).toMatch(/900000/);
    expect(await countRows(t, 'integrations')).toBe(before);
  });
});
