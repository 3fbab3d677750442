import {
  createWebhookRequest,
  handleWebhook,
  InvalidInputError,
  signHmacBase64,
  signHmacHex,
  signStandardWebhook,
  signTimestamped,
} from '@junction/connector-kit';
import { createTestContext, replayWebhook, startTestServer } from '@junction/connector-kit/testing';
import { describe, expect, it } from 'vitest';
import connector from '../src/index.js';
import { webhookReceived } from '../src/triggers/webhook-received.js';

const secret = 'shh-its-a-secret';
const whsec = `whsec_${Buffer.from('standard-secret-key').toString('base64')}`;
const body = { event: 'contact.created', id: 'evt_1', data: { email: 'ann@x.test' } };

/** A context with the trigger settings (`ctx.settings`) and the connection's webhook secret. */
function ctxWith(
  settings: Record<string, unknown>,
  webhookSecret: string | null = secret,
  connectionSettings: Record<string, unknown> = {},
) {
  return createTestContext({
    auth: connector.auth,
    credentials: webhookSecret === null ? {} : { webhookSecret },
    connection: { id: 'conn_http', name: 'Hooks', settings: connectionSettings },
    settings,
  });
}

describe('webhook-received trigger', () => {
  it('accepts each signature scheme when signed right, and refuses a forgery', async () => {
    const schemes: [
      Record<string, unknown>,
      (raw: Buffer, key: string) => Record<string, string>,
    ][] = [
      [
        {
          signatureScheme: 'hex',
          signatureHeader: 'X-Hub-Signature-256',
          signaturePrefix: 'sha256=',
        },
        (raw, key) => ({
          'x-hub-signature-256': signHmacHex({ secret: key, payload: raw, prefix: 'sha256=' }),
        }),
      ],
      [
        { signatureScheme: 'base64', signatureHeader: 'x-shopify-hmac-sha256' },
        (raw, key) => ({ 'x-shopify-hmac-sha256': signHmacBase64({ secret: key, payload: raw }) }),
      ],
      [
        { signatureScheme: 'timestamped', signatureHeader: 'stripe-signature' },
        (raw, key) => ({ 'stripe-signature': signTimestamped({ secret: key, payload: raw }) }),
      ],
    ];
    for (const [settings, sign] of schemes) {
      const ok = await replayWebhook(
        webhookReceived,
        { body, sign: (raw) => sign(raw, secret) },
        ctxWith(settings),
      );
      expect(ok.kind, JSON.stringify(settings)).toBe('accepted');
      const forged = await replayWebhook(
        webhookReceived,
        { body, sign: (raw) => sign(raw, 'guessed-secret') },
        ctxWith(settings),
      );
      expect(forged).toEqual({ kind: 'rejected', reason: 'the signature does not match' });
      const tampered = await replayWebhook(
        webhookReceived,
        {
          body: { ...body, id: 'evt_2' },
          headers: sign(Buffer.from(JSON.stringify(body)), secret),
        },
        ctxWith(settings),
      );
      expect(tampered.kind).toBe('rejected');
    }
  });

  it('Standard Webhooks: verifies and uses webhook-id as the dedupe key; a stale timestamp is refused', async () => {
    const settings = { signatureScheme: 'standard' };
    const outcome = await replayWebhook(
      webhookReceived,
      { body, sign: (raw) => signStandardWebhook({ secret: whsec, id: 'msg_1', payload: raw }) },
      ctxWith(settings, whsec),
    );
    expect(outcome.kind === 'accepted' && outcome.events.map((e) => e.dedupeKey)).toEqual([
      'msg_1',
    ]);
    const stale = await replayWebhook(
      webhookReceived,
      {
        body,
        sign: (raw) =>
          signStandardWebhook({
            secret: whsec,
            id: 'msg_1',
            payload: raw,
            timestamp: Math.floor(Date.now() / 1000) - 3600,
          }),
      },
      ctxWith(settings, whsec),
    );
    expect(stale.kind).toBe('rejected');
  });

  it('refuses a signed scheme when the connection has no secret, with a reason', async () => {
    const outcome = await replayWebhook(webhookReceived, { body }, ctxWith({}, null));
    expect(outcome).toEqual({
      kind: 'rejected',
      reason: `verification failed: the "hex" signature scheme needs the connection's webhook secret`,
    });
  });

  it('dedupe key from a header, else a body path, else a hash of the exact body', async () => {
    const base = { signatureScheme: 'none', dedupeHeader: 'X-Request-Id', dedupePath: 'data.ref' };
    const keyOf = async (
      settings: Record<string, unknown>,
      request: Parameters<typeof replayWebhook>[1],
    ) => {
      const outcome = await replayWebhook(webhookReceived, request, ctxWith(settings));
      if (outcome.kind !== 'accepted') throw new Error(outcome.reason);
      return outcome.events[0]?.dedupeKey;
    };
    expect(await keyOf(base, { body, headers: { 'x-request-id': 'req_9' } })).toBe('req_9');
    expect(await keyOf(base, { body: { data: { ref: 77 } } })).toBe('77');
    const hashed = await keyOf({ signatureScheme: 'none' }, { body });
    expect(hashed).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await keyOf({ signatureScheme: 'none' }, { body })).toBe(hashed);
    expect(await keyOf({ signatureScheme: 'none' }, { body: { ...body, id: 'evt_2' } })).not.toBe(
      hashed,
    );
  });

  it('takes its settings from the trigger settings, not from the connection settings', async () => {
    const viaConnection = ctxWith({}, secret, { signatureScheme: 'none' });
    const outcome = await replayWebhook(webhookReceived, { body }, viaConnection);
    expect(outcome).toEqual({ kind: 'rejected', reason: 'the signature does not match' });
    const accepted = await replayWebhook(
      webhookReceived,
      { body },
      ctxWith({ signatureScheme: 'none' }),
    );
    expect(accepted.kind === 'accepted' && accepted.events[0]?.data.body).toEqual(body);
  });

  it('a body that is not JSON, or bad settings, fail with a clear error', async () => {
    await expect(
      replayWebhook(webhookReceived, { body: 'not json' }, ctxWith({ signatureScheme: 'none' })),
    ).rejects.toBeInstanceOf(InvalidInputError);
    const bad = await replayWebhook(webhookReceived, { body }, ctxWith({ signatureScheme: 'md5' }));
    expect(bad.kind === 'rejected' && bad.reason).toMatch(/\/settings\/signatureScheme/);
    const unknown = await replayWebhook(webhookReceived, { body }, ctxWith({ sigScheme: 'none' }));
    expect(unknown).toEqual({
      kind: 'rejected',
      reason:
        'The settings of trigger "webhook-received" are invalid: /settings/sigScheme is not a declared field',
    });
  });

  it('over real HTTP: a receiver built on handleWebhook answers 202 to a signed request and 401 to a forged one', async () => {
    const settings = {
      signatureScheme: 'hex',
      signatureHeader: 'x-signature',
      dedupeHeader: 'x-request-id',
    };
    const received: string[] = [];
    const receiver = await startTestServer(async (req) => {
      const request = createWebhookRequest({
        method: req.method,
        headers: req.headers,
        body: req.rawBody,
      });
      const outcome = await handleWebhook(webhookReceived, request, ctxWith(settings));
      if (outcome.kind === 'rejected') return { status: 401, body: { detail: outcome.reason } };
      received.push(...outcome.events.map((e) => e.dedupeKey));
      return { status: 202 };
    });
    try {
      const raw = JSON.stringify(body);
      const send = (signature: string) =>
        fetch(`${receiver.url}/hooks/int_1`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-signature': signature,
            'x-request-id': 'req_1',
          },
          body: raw,
        });
      expect((await send(signHmacHex({ secret, payload: raw }))).status).toBe(202);
      const forged = await send(signHmacHex({ secret: 'not-the-secret', payload: raw }));
      expect(forged.status).toBe(401);
      expect(await forged.json()).toEqual({ detail: 'the signature does not match' });
      expect(received).toEqual(['req_1']);
    } finally {
      await receiver.close();
    }
  });
});
