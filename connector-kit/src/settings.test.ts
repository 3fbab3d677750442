import { describe, expect, it } from 'vitest';
import { defineAction } from './action.js';
import { applySettings } from './apply-settings.js';
import { createRunContext } from './create-run-context.js';
import { defineConnector } from './define-connector.js';
import { InvalidInputError } from './errors.js';
import { field } from './field.js';
import { buildManifest } from './manifest.js';
import { manifestDrift } from './manifest-check.js';
import { runAction } from './run-action.js';
import { createMemoryState } from './run-context.js';
import { handleWebhook, runPoll } from './run-trigger.js';
import { createTestContext } from './testing/create-test-context.js';
import { definePollingTrigger, defineWebhookTrigger } from './trigger.js';
import { validateConnector } from './validate-connector.js';
import { createWebhookRequest } from './webhook-request.js';

const seen: unknown[] = [];
const rows = definePollingTrigger({
  key: 'row-changed',
  name: 'Row changed',
  description: 'x',
  settings: {
    table: field.string({ minLength: 1 }),
    keyColumn: field.string({ default: 'id' }),
    batchSize: field.integer({ required: false, minimum: 1 }),
  },
  output: { key: field.string() },
  sample: { key: '1' },
  async poll(ctx) {
    seen.push(ctx.settings);
    return { items: [{ dedupeKey: '1', data: { key: ctx.settings.keyColumn } }], cursor: 'c' };
  },
});
const hook = defineWebhookTrigger({
  key: 'hook',
  name: 'Hook',
  description: 'x',
  settings: { header: field.string({ default: 'x-signature' }) },
  output: { header: field.string() },
  sample: { header: 'x-signature' },
  verify: (req, ctx) => req.headers[ctx.settings.header] === 'ok',
  parse: (_req, ctx) => [{ dedupeKey: 'e1', data: { header: ctx.settings.header } }],
});
const copy = defineAction({
  key: 'copy',
  name: 'Copy',
  description: 'x',
  kind: 'custom',
  idempotent: true,
  settings: { folder: field.string(), overwrite: field.boolean({ default: false }) },
  input: { name: field.string() },
  output: { path: field.string(), overwrite: field.boolean() },
  sample: { path: '/a/b', overwrite: false },
  run: async (ctx, input) => ({
    path: `${ctx.settings.folder}/${input.name}`,
    overwrite: ctx.settings.overwrite,
  }),
});
const connector = defineConnector({
  id: 'files',
  name: 'Files',
  description: 'x',
  version: '1.0.0',
  contract: '^1.1.0',
  auth: { kind: 'none' },
  triggers: [rows, hook],
  actions: [copy],
});

describe('trigger and action settings', () => {
  it('createRunContext: settings default to {} and are passed through', () => {
    const base = {
      auth: { kind: 'none' } as const,
      credentials: {},
      state: createMemoryState(),
      logSink: () => {},
      signal: new AbortController().signal,
      idempotencyKey: 'k',
      connection: { id: 'c', name: 'C' },
    };
    expect(createRunContext(base).settings).toEqual({});
    expect(createRunContext({ ...base, settings: { table: 't' } }).settings).toEqual({
      table: 't',
    });
  });

  it('runPoll checks settings, fills defaults in and hands them to poll', async () => {
    seen.length = 0;
    const ctx = createTestContext({ settings: { table: 'contacts' } });
    const result = await runPoll(rows, ctx, null);
    expect(result.items[0]?.data).toEqual({ key: 'id' });
    expect(seen).toEqual([{ table: 'contacts', keyColumn: 'id' }]);
    expect(ctx.settings).toEqual({ table: 'contacts' });
  });

  it('runPoll refuses bad settings with /settings pointers before poll is called', async () => {
    seen.length = 0;
    const ctx = createTestContext({ settings: { table: '', batchSize: 0, other: 1 } });
    const error = await runPoll(rows, ctx, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).problems).toEqual([
      { pointer: '/settings/other', message: 'is not a declared field' },
      { pointer: '/settings/table', message: 'must NOT have fewer than 1 characters' },
      { pointer: '/settings/batchSize', message: 'must be >= 1' },
    ]);
    expect((error as Error).message).toMatch(/^The settings of trigger "row-changed" are invalid/);
    expect(seen).toEqual([]);
  });

  it('handleWebhook hands checked settings to verify and parse; bad settings reject', async () => {
    const request = createWebhookRequest({
      method: 'POST',
      headers: { 'x-sig': 'ok' },
      body: Buffer.from('{}'),
    });
    const ctx = createTestContext({ settings: { header: 'x-sig' } });
    expect(await handleWebhook(hook, request, ctx)).toEqual({
      kind: 'accepted',
      events: [{ dedupeKey: 'e1', data: { header: 'x-sig' } }],
    });
    expect(await handleWebhook(hook, request, createTestContext())).toEqual({
      kind: 'rejected',
      reason: 'the signature does not match',
    });
    const bad = await handleWebhook(hook, request, createTestContext({ settings: { header: 1 } }));
    expect(bad).toEqual({
      kind: 'rejected',
      reason: 'The settings of trigger "hook" are invalid: /settings/header must be string',
    });
  });

  it('runAction checks the action settings as well as the input', async () => {
    const ctx = createTestContext({ settings: { folder: '/in' } });
    expect(await runAction(connector, 'copy', ctx, { name: 'a.txt' })).toEqual({
      path: '/in/a.txt',
      overwrite: false,
    });
    await expect(runAction(connector, 'copy', createTestContext(), { name: 'a' })).rejects.toEqual(
      expect.objectContaining({
        kind: 'invalidInput',
        problems: [{ pointer: '/settings/folder', message: 'is required' }],
      }),
    );
  });

  it('a trigger without settings fields gets ctx.settings as given', async () => {
    const plain = definePollingTrigger({
      key: 'plain',
      name: 'P',
      description: 'x',
      output: { n: field.integer() },
      sample: { n: 1 },
      poll: async (ctx) => ({
        items: [{ dedupeKey: 'a', data: { n: Object.keys(ctx.settings).length } }],
        cursor: null,
      }),
    });
    const result = await runPoll(plain, createTestContext({ settings: { a: 1, b: 2 } }), null);
    expect(result.items[0]?.data).toEqual({ n: 2 });
  });

  it('the manifest carries the settings schema; validateConnector checks the settings fields', () => {
    const manifest = buildManifest(connector);
    expect(manifest.triggers[0]?.settings).toMatchObject({
      type: 'object',
      properties: { table: { type: 'string', minLength: 1 }, keyColumn: { default: 'id' } },
      required: ['table'],
      additionalProperties: false,
    });
    expect(manifest.actions[0]?.settings).toMatchObject({ required: ['folder'] });
    expect(manifestDrift(manifest, connector)).toEqual([]);
    expect(validateConnector(connector)).toEqual([]);

    const broken = defineConnector({
      ...connector,
      triggers: [
        definePollingTrigger({
          ...rows,
          settings: {
            'bad name': field.string(),
            table: field.string({ default: 7 as never }),
            keyColumn: field.string({ default: 'id' }),
          },
        }),
      ],
    });
    expect(validateConnector(broken)).toEqual([
      { path: '/triggers/0/settings/bad name', message: 'field names must be identifiers' },
      { path: '/triggers/0/settings/table/default', message: 'default must be string' },
    ]);
  });

  it('checked settings leave the HTTP client, logger and signal to be made when first used', async () => {
    let made = 0;
    const ctx = createRunContext({
      auth: { kind: 'none' },
      credentials: {},
      state: createMemoryState(),
      logSink: () => {},
      get signal() {
        made += 1;
        return new AbortController().signal;
      },
      idempotencyKey: 'k',
      connection: { id: 'c', name: 'c' },
      settings: { table: 'customers' },
    });
    await runPoll(rows, ctx, null);
    expect(seen.at(-1)).toEqual({ table: 'customers', keyColumn: 'id' });
    expect(made).toBe(0); // poll read neither ctx.http nor ctx.signal
    const checked = applySettings(rows.settings, ctx, 'trigger "row-changed"');
    expect(made).toBe(0);
    expect(checked.signal.aborted).toBe(false);
    expect(made).toBe(1);
    expect(checked.http).toBe(ctx.http); // one client, made once, shared
  });
});
