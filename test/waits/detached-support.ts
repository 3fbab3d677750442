import { expect } from 'vitest';
import type { apiOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';

/** What the model stand-in answers for the document `text`. */
export const invoice = (text: string) => ({ supplier: 'Acme', number: text, total: 12.5 });

/**
 * Three enabled integrations on the `test-async` webhook trigger: `extract` asks the `ai`
 * connector (the model stand-in at `modelUrl`) to read the posted document (its `table`) and
 * records the answer; `fast` only records; `send` sends the document with a slow non-idempotent
 * action (`send-slowly`), then records. Answers their webhook paths.
 */
export async function createAiIntegrations(
  api: ReturnType<typeof apiOf>,
  modelUrl: string,
  options: { timeoutMs?: number } = {},
) {
  const jobs = await api.post('/v1/connections', {
    name: 'Jobs',
    connector: 'test-async',
    credentials: {},
  });
  expect(jobs.status, JSON.stringify(jobs.body)).toBe(201);
  const model = await api.post('/v1/connections', {
    name: 'Model',
    connector: 'ai',
    credentials: {},
    settings: { baseUrl: modelUrl },
  });
  expect(model.status, JSON.stringify(model.body)).toBe(201);
  const record = (key: string, value: unknown) => ({
    kind: 'action',
    key,
    connector: 'test-async',
    connection: jobs.body.id,
    action: 'record',
    mapping: { key: { var: 'event.id' }, value },
  });
  const extract = {
    kind: 'action',
    key: 'extract',
    connector: 'ai',
    connection: model.body.id,
    action: 'extract',
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    mapping: {
      model: 'stand-in',
      instructions: 'Read the invoice: its supplier, number and total.',
      text: { var: 'event.table' },
      schema: {
        preserve: {
          type: 'object',
          required: ['supplier', 'number', 'total'],
          properties: {
            supplier: { type: 'string' },
            number: { type: 'string' },
            total: { type: 'number' },
          },
        },
      },
    },
  };
  const create = async (name: string, steps: unknown[]) => {
    const { hook } = await createEnabledIntegration(api, {
      name,
      trigger: { connector: 'test-async', trigger: 'job-requested', connection: jobs.body.id },
      retry: { maxAttempts: 3, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
      routes: [{ key: 'all', steps }],
    });
    return hook;
  };
  return {
    extract: await create('Invoices read by a model', [
      extract,
      record('record', { var: 'steps.extract.data' }),
    ]),
    fast: await create('Fast jobs', [record('record', { var: 'event.table' })]),
    send: await create('Slow sends', [
      {
        kind: 'action',
        key: 'send',
        connector: 'test-async',
        connection: jobs.body.id,
        action: 'send-slowly',
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        mapping: { text: { var: 'event.table' } },
      },
      record('record', { var: 'steps.send.sent' }),
    ]),
  };
}
