import { describe, expect, it } from 'vitest';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { field } from './field.js';
import { fieldsToJsonSchema, fieldToJsonSchema } from './fields-to-json-schema.js';
import { validateConnector } from './validate-connector.js';
import { validateFields } from './validate-fields.js';

describe('nullable fields', () => {
  it('add null to the JSON Schema type (and enum)', () => {
    expect(fieldToJsonSchema(field.string({ nullable: true, maxLength: 3 }))).toEqual({
      type: ['string', 'null'],
      maxLength: 3,
    });
    expect(fieldToJsonSchema(field.enum(['a', 'b'], { nullable: true }))).toEqual({
      type: ['string', 'null'],
      enum: ['a', 'b', null],
    });
    expect(
      fieldToJsonSchema(field.object({ x: field.integer() }, { nullable: true })),
    ).toMatchObject({
      type: ['object', 'null'],
      required: ['x'],
    });
    expect(fieldToJsonSchema(field.json({ nullable: true }))).toEqual({});
    expect(fieldToJsonSchema(field.json({ type: 'array', nullable: true }))).toEqual({
      type: ['array', 'null'],
    });
    expect(fieldToJsonSchema(field.date({ nullable: true }))).toEqual({
      type: ['string', 'null'],
      format: 'date',
    });
  });

  it('accept null and still check other values; other fields still refuse null', () => {
    const fields = {
      phone: field.string({ nullable: true, required: false, pattern: '^\\+' }),
      stage: field.enum(['lead', 'customer'], { nullable: true }),
      name: field.string({ required: false }),
    };
    expect(validateFields(fields, { phone: null, stage: null }).problems).toEqual([]);
    expect(validateFields(fields, { stage: 'lead' }).problems).toEqual([]);
    expect(validateFields(fields, { phone: '0612', stage: 'other', name: null }).problems).toEqual([
      { pointer: '/phone', message: 'must match pattern "^\\+"' },
      { pointer: '/stage', message: 'must be one of "lead", "customer", null' },
      { pointer: '/name', message: 'must be string' },
    ]);
    // A required nullable field must be present: null clears, absence is not allowed.
    expect(validateFields(fields, {}).problems).toEqual([
      { pointer: '/stage', message: 'is required' },
    ]);
  });

  it('are checked by validateConnector (nullable must be a boolean) and kept in the manifest schema', () => {
    const bad = defineConnector({
      id: 'nulls',
      name: 'Nulls',
      description: 'd',
      version: '1.0.0',
      contract: '^1.4.0',
      auth: { kind: 'none' },
      actions: [
        defineAction({
          key: 'a',
          name: 'A',
          description: 'a',
          kind: 'custom',
          idempotent: true,
          input: { x: { ...field.string(), nullable: 'yes' } as never },
          output: { y: field.string({ nullable: true }) },
          sample: { y: null },
          async run() {
            return { y: null };
          },
        }),
      ],
    });
    expect(validateConnector(bad)).toEqual([
      { path: '/actions/0/input/x/nullable', message: 'must be true or false' },
    ]);
    expect(fieldsToJsonSchema({ y: field.string({ nullable: true }) })).toMatchObject({
      properties: { y: { type: ['string', 'null'] } },
    });
  });
});
