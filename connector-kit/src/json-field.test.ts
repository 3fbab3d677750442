import { describe, expect, it } from 'vitest';
import { defineAction } from './action.js';
import { defineConnector } from './define-connector.js';
import { field } from './field.js';
import { fieldsToJsonSchema, fieldToJsonSchema } from './fields-to-json-schema.js';
import { validateConnector } from './validate-connector.js';
import { validateFields } from './validate-fields.js';

describe('field.json', () => {
  it('exports {} (or { type }) with the usual annotations', () => {
    expect(fieldToJsonSchema(field.json())).toEqual({});
    expect(
      fieldToJsonSchema(
        field.json({ type: 'object', label: 'Row', description: 'd', examples: [{ a: 1 }] }),
      ),
    ).toEqual({ type: 'object', title: 'Row', description: 'd', examples: [{ a: 1 }] });
    const schema = fieldsToJsonSchema({
      body: field.json({ required: false }),
      row: field.json({ type: 'object' }),
    });
    expect(schema).toMatchObject({
      properties: { body: {}, row: { type: 'object' } },
      required: ['row'],
      additionalProperties: false,
    });
  });

  it('accepts any JSON value, or only the declared type', () => {
    const fields = { any: field.json(), row: field.json({ type: 'object' }) };
    for (const any of [null, 0, 'x', true, [1, { a: [] }], { a: { b: null } }]) {
      expect(validateFields(fields, { any, row: {} }).problems, JSON.stringify(any)).toEqual([]);
    }
    expect(validateFields(fields, { row: [1] }).problems).toEqual([
      { pointer: '/any', message: 'is required' },
      { pointer: '/row', message: 'must be object' },
    ]);
    // A null is a JSON value, but not an object.
    expect(validateFields(fields, { any: null, row: null }).problems).toEqual([
      { pointer: '/row', message: 'must be object' },
    ]);
  });

  it('fills a default in', () => {
    const fields = { options: field.json({ default: { retries: 1 } }) };
    expect(validateFields(fields, {})).toEqual({
      value: { options: { retries: 1 } },
      problems: [],
    });
  });
});

describe('open objects', () => {
  it('allow other keys with any JSON value; closed objects still refuse them', () => {
    const open = { contact: field.object({ id: field.string() }, { additionalProperties: true }) };
    const closed = { contact: field.object({ id: field.string() }) };
    expect(fieldsToJsonSchema(open)).toMatchObject({
      properties: { contact: { additionalProperties: true, required: ['id'] } },
    });
    const value = { contact: { id: 'c_1', extra: { deep: [1] } } };
    expect(validateFields(open, value).problems).toEqual([]);
    expect(validateFields(open, { contact: { extra: 1 } }).problems).toEqual([
      { pointer: '/contact/id', message: 'is required' },
    ]);
    expect(validateFields(closed, value).problems).toEqual([
      { pointer: '/contact/extra', message: 'is not a declared field' },
    ]);
  });
});

describe('validateConnector and field values', () => {
  it('reports defaults, examples and JSON types that do not fit their field', () => {
    const action = defineAction({
      key: 'send',
      name: 'Send',
      description: 'x',
      kind: 'custom',
      idempotent: true,
      input: {
        body: field.json({ type: 'object', examples: [{ ok: 1 }, [1] as never] }),
        mode: field.json({ type: 'table' as never }),
        count: field.integer({ default: 1.5, minimum: 0 }),
        tag: field.string({ examples: ['ok', 3 as never] }),
      },
      output: { row: field.json() },
      sample: { row: { any: ['thing'] } },
      run: async () => ({ row: null }),
    });
    const connector = defineConnector({
      id: 'x',
      name: 'X',
      description: 'x',
      version: '1.0.0',
      contract: '^1.1.0',
      auth: { kind: 'none' },
      actions: [action],
    });
    expect(validateConnector(connector)).toEqual([
      { path: '/actions/0/input/body/examples/1', message: 'example must be object' },
      {
        path: '/actions/0/input/mode/type',
        message: 'type must be one of object, array, string, number, boolean, null',
      },
      { path: '/actions/0/input/count/default', message: 'default must be integer' },
      { path: '/actions/0/input/tag/examples/1', message: 'example must be string' },
    ]);
  });
});
