import { describe, expectTypeOf, it } from 'vitest';
import type { createContact } from './__fixtures__/acme-connector.js';
import { defineAction } from './action.js';
import { type CustomAuth, defineCustomAuth } from './auth.js';
import { defineConnector } from './define-connector.js';
import { field, type InferFields, type JsonObject, type JsonValue } from './field.js';
import { defineRecordType } from './record-type.js';
import type { RunContext } from './run-context.js';
import { definePollingTrigger, defineWebhookTrigger } from './trigger.js';

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

describe('field.json and open objects', () => {
  it('types JSON fields as JsonValue, narrowed by type', () => {
    const fields = {
      any: field.json(),
      row: field.json({ type: 'object', description: 'a row', examples: [{ id: 1, tags: ['a'] }] }),
      list: field.json({ type: 'array', required: false }),
      text: field.json({ type: 'string' }),
    };
    expectTypeOf<InferFields<typeof fields>>().toEqualTypeOf<{
      any: JsonValue;
      row: JsonObject;
      list?: JsonValue[];
      text: string;
    }>();
    // @ts-expect-error: a function is not JSON
    const bad: JsonValue = () => 1;
    void bad;
  });

  it('types an open object as its fields plus JSON values under other keys', () => {
    const fields = {
      contact: field.object({ id: field.string() }, { additionalProperties: true }),
    };
    type Contact = InferFields<typeof fields>['contact'];
    expectTypeOf<Contact['id']>().toEqualTypeOf<string>();
    expectTypeOf<Contact['anything']>().toEqualTypeOf<JsonValue>();
    const closed = { contact: field.object({ id: field.string() }) };
    expectTypeOf<InferFields<typeof closed>>().toEqualTypeOf<{ contact: { id: string } }>();
  });
});

describe('settings', () => {
  it('types ctx.settings from the declared settings fields (defaults make keys plain)', () => {
    definePollingTrigger({
      key: 'p',
      name: 'P',
      description: 'p',
      settings: {
        table: field.string(),
        keyColumn: field.string({ default: 'id' }),
        batchSize: field.integer({ required: false }),
      },
      output: { id: field.string() },
      sample: { id: '1' },
      async poll(ctx) {
        expectTypeOf(ctx.settings).toEqualTypeOf<
          Readonly<{ table: string; keyColumn: string; batchSize?: number }>
        >();
        // @ts-expect-error: not a declared setting
        void ctx.settings.schema;
        return { items: [], cursor: null };
      },
    });
    defineWebhookTrigger({
      key: 'w',
      name: 'W',
      description: 'w',
      settings: { scheme: field.enum(['hex', 'base64'], { default: 'hex' }) },
      output: { id: field.string() },
      sample: { id: '1' },
      verify(_req, ctx) {
        expectTypeOf(ctx.settings.scheme).toEqualTypeOf<'hex' | 'base64'>();
        return true;
      },
      parse: () => [],
    });
  });

  it('is a plain record without declared settings, on triggers and actions', () => {
    definePollingTrigger({
      key: 'p',
      name: 'P',
      description: 'p',
      output: {},
      sample: {},
      async poll(ctx) {
        expectTypeOf(ctx.settings).toEqualTypeOf<Readonly<Record<string, unknown>>>();
        return { items: [], cursor: null };
      },
    });
    const action = defineAction({
      key: 'a',
      name: 'A',
      description: 'a',
      kind: 'custom',
      idempotent: true,
      settings: { folder: field.string() },
      input: {},
      output: {},
      sample: {},
      async run(ctx) {
        expectTypeOf(ctx.settings.folder).toEqualTypeOf<string>();
        return {};
      },
    });
    // Typed triggers and actions still fit a connector.
    defineConnector({
      id: 'x',
      name: 'X',
      description: 'x',
      version: '1.0.0',
      contract: '^1.1.0',
      auth: { kind: 'none' },
      actions: [action],
    });
  });
});

describe('custom auth', () => {
  const fields = { account: field.string(), key: field.string({ secret: true }) };

  it('infers apply credentials with defineCustomAuth, and fits defineConnector', () => {
    const auth = defineCustomAuth({
      kind: 'custom',
      fields,
      apply(credentials) {
        expectTypeOf(credentials).toEqualTypeOf<{ account: string; key: string }>();
        return { headers: { 'x-account': credentials.account, 'x-key': credentials.key } };
      },
    });
    defineConnector({
      id: 'x',
      name: 'X',
      description: 'x',
      version: '1.0.0',
      contract: '^1.1.0',
      auth,
    });
    const typed: CustomAuth<typeof fields> = {
      kind: 'custom',
      fields,
      apply: (c) => ({ query: { account: c.account } }),
    };
    defineConnector({
      id: 'y',
      name: 'Y',
      description: 'y',
      version: '1.0.0',
      contract: '^1.1.0',
      auth: typed,
    });
  });

  it('compiles written inline in defineConnector', () => {
    defineConnector({
      id: 'x',
      name: 'X',
      description: 'x',
      version: '1.0.0',
      contract: '^1.1.0',
      auth: {
        kind: 'custom',
        fields,
        apply(credentials) {
          return { headers: { 'x-key': String(credentials.key) } };
        },
      },
    });
  });

  it('refuses apply reading a credential that is not a field', () => {
    defineCustomAuth({
      kind: 'custom',
      fields,
      // @ts-expect-error: token is not one of the fields
      apply: (c) => ({ headers: { authorization: c.token } }),
    });
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
