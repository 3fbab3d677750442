import { afterEach, describe, expect, it } from 'vitest';
import {
  acme,
  contactCreated,
  contactUpdated,
  createContact,
} from '../__fixtures__/acme-connector.js';
import { defineConnector } from '../define-connector.js';
import { signHmacHex } from '../signatures.js';
import { createTestContext } from './create-test-context.js';
import {
  checkSamples,
  replayWebhook,
  runActionForTest,
  runPollingTriggerForTest,
} from './harness.js';
import { startTestServer, type TestServer } from './start-test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('testing harness', () => {
  it('polls several times, following the cursor', async () => {
    const pages: Record<
      string,
      { data: { id: string; updated_at: string }[]; next: string | null }
    > = {
      start: { data: [{ id: 'c1', updated_at: '2024-05-01T10:00:00Z' }], next: 'p2' },
      p2: { data: [{ id: 'c2', updated_at: '2024-05-01T11:00:00Z' }], next: 'p3' },
      p3: { data: [], next: null },
    };
    server = await startTestServer((req) => ({ body: pages[req.query.after ?? 'start'] }));
    const ctx = createTestContext({
      auth: acme.auth,
      credentials: { apiKey: 'k' },
      baseUrl: server.url,
    });
    const result = await runPollingTriggerForTest(contactUpdated, ctx, { polls: 3 });
    expect(result.events.map((e) => e.dedupeKey)).toEqual([
      'c1@2024-05-01T10:00:00Z',
      'c2@2024-05-01T11:00:00Z',
    ]);
    expect(result.cursors).toEqual(['p2', 'p3', 'p3']);
    expect(server.requests.map((r) => r.query.after)).toEqual([undefined, 'p2', 'p3']);
  });

  it('replays a signed webhook and rejects a forged one', async () => {
    const ctx = createTestContext({ credentials: { webhookSecret: 'whk_123456' } });
    const body = { events: [{ id: 'c1', email: 'ann@example.com' }] };
    const accepted = await replayWebhook(
      contactCreated,
      {
        body,
        sign: (raw) => ({
          'x-acme-signature': signHmacHex({
            secret: 'whk_123456',
            payload: raw,
            prefix: 'sha256=',
          }),
        }),
      },
      ctx,
    );
    expect(accepted).toEqual({
      kind: 'accepted',
      events: [{ dedupeKey: 'c1', data: { id: 'c1', email: 'ann@example.com' } }],
    });
    const forged = await replayWebhook(
      contactCreated,
      {
        body,
        sign: (raw) => ({
          'x-acme-signature': signHmacHex({ secret: 'guessed', payload: raw, prefix: 'sha256=' }),
        }),
      },
      ctx,
    );
    expect(forged.kind).toBe('rejected');
    const unsigned = await replayWebhook(contactCreated, { body }, ctx);
    expect(unsigned.kind).toBe('rejected');
  });

  it('runs actions and checks samples', async () => {
    server = await startTestServer(() => ({ status: 201, body: { id: 'c_1' } }));
    await expect(
      runActionForTest(
        acme,
        'create-contact',
        { email: 'a@b.co', plan: 'pro' },
        {
          baseUrl: server.url,
          credentials: { apiKey: 'k' },
        },
      ),
    ).resolves.toEqual({ id: 'c_1', plan: 'pro' });
    expect(checkSamples(acme)).toEqual([]);
    const wrong = defineConnector({
      ...acme,
      actions: [{ ...createContact, sample: { id: 1, plan: 'gold' } as never }],
    });
    expect(checkSamples(wrong)).toEqual([
      { path: '/actions/0/sample/id', message: 'sample must be string' },
      { path: '/actions/0/sample/plan', message: 'sample must be one of "free", "pro"' },
    ]);
  });

  it('captures logs with secrets redacted and keeps state in memory', async () => {
    const ctx = createTestContext({
      auth: acme.auth,
      credentials: { apiKey: 'sk_live_abcdef' },
      state: { cursor: 'a' },
    });
    ctx.logger.info('calling with sk_live_abcdef', { headers: { 'x-api-key': 'sk_live_abcdef' } });
    expect(ctx.logs[0]).toMatchObject({
      level: 'info',
      message: 'calling with [REDACTED]',
      data: { headers: { 'x-api-key': '[REDACTED]' } },
    });
    expect(JSON.stringify(ctx.logs)).not.toContain('sk_live_abcdef');
    await ctx.state.set('cursor', 'b');
    await ctx.state.delete('missing');
    expect(await ctx.state.get('cursor')).toBe('b');
    expect(ctx.stateSnapshot()).toEqual({ cursor: 'b' });
  });
});
