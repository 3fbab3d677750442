import { describe, expectTypeOf, it } from 'vitest';
import { field } from './field.js';
import { pollChangedSince } from './poll-changed-since.js';
import { definePollingTrigger } from './trigger.js';

describe('pollChangedSince types', () => {
  it("infers the record from fetchPage and checks data against the trigger's output", () => {
    definePollingTrigger({
      key: 'deal-changed',
      name: 'Deal changed',
      description: 'd',
      settings: { pipeline: field.string() },
      output: { id: field.string(), amount: field.number({ nullable: true }) },
      sample: { id: 'd_1', amount: null },
      poll: pollChangedSince({
        async fetchPage(ctx, request) {
          expectTypeOf(ctx.settings.pipeline).toEqualTypeOf<string>();
          expectTypeOf(request.page).toEqualTypeOf<string | null>();
          return { records: [{ id: 1, amount: 5 as number | null, changed: 17 }] };
        },
        key: (d) => d.id,
        updatedAt: (d) => d.changed,
        data: (d) => ({ id: String(d.id), amount: d.amount }),
      }),
    });
  });

  it('refuses data that does not fit the output', () => {
    definePollingTrigger({
      key: 'deal-changed',
      name: 'Deal changed',
      description: 'd',
      output: { id: field.string() },
      sample: { id: 'd_1' },
      // @ts-expect-error the data's id is a number, the output's a string
      poll: pollChangedSince({
        fetchPage: async () => ({ records: [{ id: 1, changed: 17 }] }),
        key: (d) => d.id,
        updatedAt: (d) => d.changed,
        data: (d) => ({ id: d.id }),
      }),
    });
  });
});
