import { expect } from 'vitest';
import type { apiOf } from './api.js';

/**
 * Creates an integration from `definition` through the API and enables it (with the ETag of its
 * creation), expecting 201 then 200; answers its id and webhook path.
 */
export async function createEnabledIntegration(
  api: ReturnType<typeof apiOf>,
  definition: Record<string, unknown>,
): Promise<{ id: string; hook: string }> {
  const created = await api.post('/v1/integrations', definition);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const enabled = await api.post(`/v1/integrations/${created.body.id}/enable`, undefined, {
    'if-match': created.headers.get('etag') as string,
  });
  expect(enabled.status, JSON.stringify(enabled.body)).toBe(200);
  return { id: created.body.id as string, hook: created.body.webhookPath as string };
}
