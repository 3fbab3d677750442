import { describe, expect, it } from 'vitest';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { InvalidInputError } from './errors.js';
import { field } from './field.js';
import { createTestContext } from './testing/create-test-context.js';
import { pollForTest, runActionForTest, simulateCallback } from './testing/harness.js';
import { isWaitRequest } from './wait.js';

const exporter = defineConnector({
  id: 'exporter',
  name: 'Exporter',
  description: 'Exports that finish later',
  version: '1.0.0',
  contract: '^1.6.0',
  auth: { kind: 'none' },
  actions: [
    defineAction({
      key: 'start',
      name: 'Start',
      description: 'Starts an export',
      kind: 'custom',
      idempotent: true,
      input: { table: field.string() },
      output: { fileUrl: field.string(), rows: field.integer() },
      sample: { fileUrl: 'f', rows: 1 },
      async run(ctx, input) {
        ctx.logger.info('export started', { table: input.table, callback: ctx.resumeUrl });
        return input.table === 'polled'
          ? ctx.wait({ poll: { everySeconds: 5, state: { job: 7 } } })
          : ctx.wait({ callback: true, deadlineSeconds: 120, onTimeout: 'retry' });
      },
      async poll(_ctx, state) {
        return (state as { job: number }).job === 7
          ? { done: true, output: { fileUrl: 'done.csv', rows: 3 } }
          : { done: false };
      },
    }),
  ],
});

describe('ctx.wait', () => {
  it('returns a wait request instead of an output, and the testing module settles it', async () => {
    const wait = await runActionForTest(exporter, 'start', { table: 't' });
    expect(isWaitRequest(wait)).toBe(true);
    expect(wait).toMatchObject({
      callback: true,
      deadlineSeconds: 120,
      onTimeout: 'retry',
      poll: null,
    });
    expect(simulateCallback(exporter, 'start', wait, { fileUrl: 'x.csv', rows: 2 })).toEqual({
      fileUrl: 'x.csv',
      rows: 2,
    });
    expect(() => simulateCallback(exporter, 'start', wait, { fileUrl: 1 })).toThrow(
      InvalidInputError,
    );
    try {
      simulateCallback(exporter, 'start', wait, { fileUrl: 1 });
    } catch (error) {
      expect((error as InvalidInputError).problems.map((p) => p.pointer).sort()).toEqual([
        '/fileUrl',
        '/rows',
      ]);
    }
  });

  it('polls with the state given to ctx.wait', async () => {
    const wait = await runActionForTest(exporter, 'start', { table: 'polled' });
    expect(wait).toMatchObject({ callback: false, poll: { everySeconds: 5, state: { job: 7 } } });
    await expect(pollForTest(exporter, 'start', wait)).resolves.toEqual({
      done: true,
      output: { fileUrl: 'done.csv', rows: 3 },
    });
  });

  it('refuses options that cannot work, with a sentence', () => {
    const ctx = createTestContext();
    expect(() => ctx.wait({})).toThrow(/give callback: true, a poll schedule, or both/);
    expect(() => ctx.wait({ poll: { everySeconds: 0 } })).toThrow(/everySeconds/);
    expect(() => ctx.wait({ callback: true, deadlineSeconds: 40 * 86_400 })).toThrow(/30 days/);
  });
});
