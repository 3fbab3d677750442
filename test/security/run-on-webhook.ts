import { expect } from 'vitest';
import type { apiOf } from '../support/api.js';
import { createEnabledIntegration } from '../support/create-enabled-integration.js';
import type { TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';

/**
 * Creates and enables an integration whose trigger is an unsigned http webhook (through the
 * connection `hook`, of the http connector with no auth) and whose one route runs `steps`, posts
 * `{ id }` to it, and returns its run once it has ended (succeeded or dead) or waits for an
 * operator's decision (unknown), as the API shows it.
 */
export async function runOnWebhook(
  t: TestJunction,
  api: ReturnType<typeof apiOf>,
  options: { name: string; hook: string; id: string; steps: unknown[]; maxAttempts?: number },
  // biome-ignore lint/suspicious/noExplicitAny: the run as the API answered it.
): Promise<Record<string, any>> {
  const integration = await createEnabledIntegration(api, {
    name: options.name,
    trigger: {
      connector: 'http',
      trigger: 'webhook-received',
      connection: options.hook,
      settings: { signatureScheme: 'none' },
      recordKey: 'body.id',
    },
    retry: { maxAttempts: options.maxAttempts ?? 2, initialDelaySeconds: 0.1, maxDelaySeconds: 1 },
    routes: [{ key: 'all', steps: options.steps }],
  });
  const sent = await fetch(`${t.url}${integration.hook}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: options.id }),
  });
  expect(sent.status).toBe(202);
  return until(async () => {
    const runs = await api.get(`/v1/runs?integration=${integration.id}`);
    const first = runs.body.data?.[0];
    return first && ['dead', 'succeeded', 'unknown'].includes(first.state) ? first : undefined;
  });
}
