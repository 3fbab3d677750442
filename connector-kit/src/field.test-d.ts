import { describe, expectTypeOf, it } from 'vitest';
import type { createContact } from './__fixtures__/acme-connector.js';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { field, type InferFields } from './field.js';
import { defineRecordType } from './record-type.js';
import type { RunContext } from './run-context.js';
import { definePollingTrigger } from './trigger.js';

describe('InferFields', () => {
  it('makes required keys plain, optional keys ?, enums literal unions', () => {
    const fields = {
      email: field.string(),
      age: field.integer({ required: false }),
      score: field.number({ required: true }),
      active: field.boolean(),
      born: field.date({ required: false }),
      seen: field.dateTime(),
      plan: field.enum(['free', 'pro'] as const),
      tier: field.enum(['a', 'b'], { required: false }),
    };
    expectTypeOf<InferFields<typeof fields>>().toEqualTypeOf<{
      email: string;
      age?: number;
      score: number;
      active: boolean;
      born?: string;
      seen: string;
      plan: 'free' | 'pro';
      tier?: 'a' | 'b';
    }>();
  });

  it('nests objects and arrays', () => {
    const fields = {
      address: field.object({ city: field.string(), zip: field.string({ required: false }) }),
      tags: field.array(field.string(), { required: false }),
      lines: field.array(field.object({ sku: field.string(), qty: field.integer() })),
    };
    expectTypeOf<InferFields<typeof fields>>().toEqualTypeOf<{
      address: { city: string; zip?: string };
      tags?: string[];
      lines: { sku: string; qty: number }[];
    }>();
  });
});

describe('defineAction', () => {
  it('types run input from the declared fields without casts', () => {
    defineAction({
      key: 'x',
      name: 'X',
      description: 'x',
      kind: 'custom',
      idempotent: true,
      input: { email: field.string(), count: field.integer({ required: false }) },
      output: { ok: field.boolean() },
      sample: { ok: true },
      async run(ctx, input) {
        expectTypeOf(ctx).toEqualTypeOf<RunContext>();
        expectTypeOf(input).toEqualTypeOf<{ email: string; count?: number }>();
        return { ok: true };
      },
    });
    type Input = Parameters<typeof createContact.run>[1];
    expectTypeOf<Input['plan']>().toEqualTypeOf<'free' | 'pro'>();
  });

  it('rejects a sample or a result that does not match the output fields', () => {
    defineAction({
      key: 'x',
      name: 'X',
      description: 'x',
      kind: 'custom',
      idempotent: true,
      input: {},
      output: { ok: field.boolean() },
      // @ts-expect-error: ok must be a boolean
      sample: { ok: 'yes' },
      // @ts-expect-error: the result must match the output fields
      async run() {
        return { ok: 1 };
      },
    });
  });
});

describe('record types, triggers and connectors', () => {
  it('requires key and updatedAt to be declared fields', () => {
    defineRecordType({ name: 'a', fields: { id: field.string() }, key: 'id' });
    // @ts-expect-error: uid is not a field
    defineRecordType({ name: 'a', fields: { id: field.string() }, key: 'uid' });
  });

  it('types polled items from the output fields', () => {
    definePollingTrigger({
      key: 'p',
      name: 'P',
      description: 'p',
      output: { id: field.string() },
      sample: { id: '1' },
      // @ts-expect-error: the polled item's id must be a string
      async poll(_ctx, cursor) {
        expectTypeOf(cursor).toEqualTypeOf<string | null>();
        return { items: [{ dedupeKey: '1', data: { id: 1 } }], cursor: null };
      },
    });
  });

  it('keeps the literal definition and adds kind', () => {
    const c = defineConnector({
      id: 'x',
      name: 'X',
      description: 'x',
      version: '1.0.0',
      contract: '^1.0.0',
      auth: { kind: 'none' },
    });
    expectTypeOf(c.kind).toEqualTypeOf<'connector'>();
    expectTypeOf(c.id).toEqualTypeOf<'x'>();
  });
});
