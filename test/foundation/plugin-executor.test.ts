import { defineAction, defineConnector, field, type RunContext } from '@junction/connector-kit';
import { describe, expect, it } from 'vitest';
import { createInProcessExecutor } from '../../core/src/executor/plugin-executor.js';

/** A connector whose one action waits as told, and hands back the signal it read. */
function connectorWaiting(run: (ctx: RunContext) => Promise<Record<string, unknown>>) {
  return {
    id: 'waiting',
    version: '1.0.0',
    definition: defineConnector({
      id: 'waiting',
      name: 'Waiting',
      description: 'x',
      version: '1.0.0',
      contract: '^1.0.0',
      auth: { kind: 'none' },
      actions: [
        defineAction({
          key: 'wait',
          name: 'Wait',
          description: 'x',
          kind: 'custom',
          idempotent: true,
          input: {},
          output: { done: field.boolean({ required: false }) },
          sample: { done: true },
          run: (ctx) => run(ctx),
        }),
      ],
    }),
  };
}

const call = (connector: ReturnType<typeof connectorWaiting>, timeoutMs: number) =>
  createInProcessExecutor().execute({
    connector,
    operation: { kind: 'action', action: 'wait', input: {} },
    credentials: {},
    connection: { id: 'c', name: 'c' },
    idempotencyKey: 'k',
    timeoutMs,
  });

describe('the in-process executor', () => {
  it('fails a call that outlives its timeout as retryable and aborts the signal it read', async () => {
    let seen: AbortSignal | undefined;
    const result = await call(
      connectorWaiting(async (ctx) => {
        seen = ctx.signal;
        await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
        return { done: false };
      }),
      50,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.retryable).toBe(true);
      expect(result.error.message).toMatch(/waiting: action "wait" did not finish within 50 ms/);
    }
    expect(seen?.aborted).toBe(true);
  });

  it('hands an aborted signal to a call that reads it only after its timeout', async () => {
    let late: AbortSignal | undefined;
    const result = await call(
      connectorWaiting(async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        late = ctx.signal;
        return { done: true };
      }),
      20,
    );
    expect(result.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(late?.aborted).toBe(true);
  });

  it('returns the output of a call that ends in time, with its signal never aborted', async () => {
    let seen: AbortSignal | undefined;
    const result = await call(
      connectorWaiting(async (ctx) => {
        seen = ctx.signal;
        return { done: true };
      }),
      1000,
    );
    expect(result).toEqual({ ok: true, output: { done: true } });
    expect(seen?.aborted).toBe(false);
  });
});
