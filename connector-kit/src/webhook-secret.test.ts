import { describe, expect, it } from 'vitest';
import { authFields, redactSecrets } from './auth.js';
import { defineConnector } from './define-connector.js';
import { AuthError } from './errors.js';
import { field } from './field.js';
import { buildManifest } from './manifest.js';
import { signStandardWebhook, verifyStandardWebhook } from './signatures.js';
import { createTestContext } from './testing/create-test-context.js';
import { replayWebhook } from './testing/harness.js';
import { defineWebhookTrigger } from './trigger.js';
import { validateConnector } from './validate-connector.js';
import { validateFields } from './validate-fields.js';
import { webhookSecretOf } from './webhook-secret.js';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

const noteCreated = defineWebhookTrigger({
  key: 'note-created',
  name: 'Note created',
  description: 'A note was created',
  output: { id: field.string() },
  sample: { id: 'n_1' },
  verify: (req, ctx) =>
    verifyStandardWebhook({
      secret: webhookSecretOf(ctx.credentials),
      headers: req.headers,
      payload: req.rawBody,
    }),
  parse: (req) => [
    { dedupeKey: String(req.headers['webhook-id']), data: req.body as { id: string } },
  ],
});

const connector = defineConnector({
  id: 'notes',
  name: 'Notes',
  description: 'Notes',
  version: '1.0.0',
  contract: '^1.4.0',
  baseUrl: 'https://api.notes.test',
  auth: { kind: 'bearer', webhookSecret: { required: true, scheme: 'standard' } },
  triggers: [noteCreated],
});

describe('auth kinds with a webhook secret', () => {
  it('add a secret webhookSecret field beside the API credential, in the manifest too', () => {
    expect(Object.keys(authFields(connector.auth))).toEqual(['token', 'webhookSecret']);
    expect(authFields(connector.auth)).toBe(authFields(connector.auth));
    expect(Object.keys(authFields({ kind: 'apiKey', in: 'header', name: 'x' }))).toEqual([
      'apiKey',
    ]);
    expect(validateConnector(connector)).toEqual([]);
    const manifest = buildManifest(connector);
    expect(manifest.auth.secrets).toEqual(['token', 'webhookSecret']);
    expect(manifest.auth.schema).toMatchObject({
      required: ['token', 'webhookSecret'],
      properties: {
        webhookSecret: { writeOnly: true, pattern: '^whsec_[A-Za-z0-9+/]{8,}={0,2}$' },
      },
    });
    expect(redactSecrets(connector.auth, { token: 't', webhookSecret: secret })).toEqual({
      token: '[REDACTED]',
      webhookSecret: '[REDACTED]',
    });
  });

  it('refuse credentials without the secret, or with one not in whsec_ form, when required', () => {
    const fields = authFields(connector.auth);
    expect(validateFields(fields, { token: 't', webhookSecret: secret }).problems).toEqual([]);
    expect(validateFields(fields, { token: 't' }).problems).toEqual([
      { pointer: '/webhookSecret', message: 'is required' },
    ]);
    expect(validateFields(fields, { token: 't', webhookSecret: 's3cret' }).problems).toEqual([
      {
        pointer: '/webhookSecret',
        message: 'must match pattern "^whsec_[A-Za-z0-9+/]{8,}={0,2}$"',
      },
    ]);
    const optional = authFields({ kind: 'basic', webhookSecret: true });
    expect(validateFields(optional, { username: 'u', password: 'p' }).problems).toEqual([]);
    expect(
      validateFields(optional, { username: 'u', password: 'p', webhookSecret: 'x' }).problems,
    ).toEqual([]);
  });

  it("let a webhook trigger verify with the connection's secret", async () => {
    const body = JSON.stringify({ id: 'n_1' });
    const sign = (payload: Uint8Array) => signStandardWebhook({ secret, id: 'msg_1', payload });
    const ctx = createTestContext({
      auth: connector.auth,
      credentials: { token: 't', webhookSecret: secret },
    });
    const accepted = await replayWebhook(noteCreated, { body, sign }, ctx);
    expect(accepted).toMatchObject({
      kind: 'accepted',
      events: [{ dedupeKey: 'msg_1', data: { id: 'n_1' } }],
    });
    const without = createTestContext({ auth: connector.auth, credentials: { token: 't' } });
    const rejected = await replayWebhook(noteCreated, { body, sign }, without);
    expect(rejected).toMatchObject({ kind: 'rejected' });
    expect(() => webhookSecretOf({})).toThrow(AuthError);
  });

  it('are checked by validateConnector', () => {
    const bad = defineConnector({
      ...connector,
      auth: { kind: 'bearer', webhookSecret: { scheme: 'hex' as 'any', required: 'yes' as never } },
    });
    expect(validateConnector(bad)).toEqual([
      { path: '/auth/webhookSecret/required', message: 'must be true or false' },
      { path: '/auth/webhookSecret/scheme', message: 'must be "standard" or "any"' },
    ]);
  });
});
