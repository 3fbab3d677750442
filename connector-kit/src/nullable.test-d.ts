import { describe, expectTypeOf, it } from 'vitest';
import { defineAction } from './action.js';
import { field, type InferFields, type JsonObject, type JsonValue } from './field.js';

describe('nullable fields', () => {
  it('add null to the value type, required or not', () => {
    const fields = {
      name: field.string({ nullable: true }),
      phone: field.string({ nullable: true, required: false }),
      seats: field.integer({ nullable: true }),
      active: field.boolean({ nullable: false }),
      stage: field.enum(['lead', 'customer'], { nullable: true }),
      address: field.object({ city: field.string() }, { nullable: true, required: false }),
      tags: field.array(field.string({ nullable: true }), { nullable: true }),
      row: field.json({ type: 'object', nullable: true }),
      any: field.json({ nullable: true }),
      born: field.date({ nullable: true }),
    };
    expectTypeOf<InferFields<typeof fields>>().toEqualTypeOf<{
      name: string | null;
      phone?: string | null;
      seats: number | null;
      active: boolean;
      stage: 'lead' | 'customer' | null;
      address?: { city: string } | null;
      tags: (string | null)[] | null;
      row: JsonObject | null;
      any: JsonValue;
      born: string | null;
    }>();
  });

  it('leave fields without nullable as they were', () => {
    const fields = { name: field.string(), note: field.string({ required: false }) };
    expectTypeOf<InferFields<typeof fields>>().toEqualTypeOf<{ name: string; note?: string }>();
  });

  it("type an action's input, so run tells unset from clear", () => {
    defineAction({
      key: 'update-contact',
      name: 'Update contact',
      description: 'Updates a contact',
      kind: 'update',
      idempotent: true,
      input: { id: field.string(), phone: field.string({ nullable: true, required: false }) },
      output: { id: field.string() },
      sample: { id: 'c_1' },
      async run(_ctx, input) {
        expectTypeOf(input.phone).toEqualTypeOf<string | null | undefined>();
        if (input.phone === undefined) return { id: input.id };
        expectTypeOf(input.phone).toEqualTypeOf<string | null>();
        return { id: input.id };
      },
    });
  });
});
