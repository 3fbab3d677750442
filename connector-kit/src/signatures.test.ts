import { describe, expect, it } from 'vitest';
import {
  signHmacBase64,
  signHmacHex,
  signStandardWebhook,
  signTimestamped,
  verifyHmacBase64,
  verifyHmacHex,
  verifyStandardWebhook,
  verifyTimestamped,
} from './signatures.js';

const payload = Buffer.from('{"id":"evt_1","amount":100}');

describe('HMAC-SHA256 signatures', () => {
  it('verifies hex signatures with a prefix and rejects forged or missing ones', () => {
    const signature = signHmacHex({ secret: 's3cret', payload, prefix: 'sha256=' });
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyHmacHex({ secret: 's3cret', payload, signature, prefix: 'sha256=' })).toBe(true);
    expect(verifyHmacHex({ secret: 'other', payload, signature, prefix: 'sha256=' })).toBe(false);
    const tampered = Buffer.from('{"id":"evt_1","amount":999}');
    expect(
      verifyHmacHex({ secret: 's3cret', payload: tampered, signature, prefix: 'sha256=' }),
    ).toBe(false);
    expect(verifyHmacHex({ secret: 's3cret', payload, signature: undefined })).toBe(false);
    expect(verifyHmacHex({ secret: 's3cret', payload, signature: 'sha256=zz' })).toBe(false);
    expect(verifyHmacHex({ secret: 's3cret', payload, signature: signature.slice(0, 20) })).toBe(
      false,
    );
  });

  it('verifies base64 signatures', () => {
    const signature = signHmacBase64({ secret: 'k', payload });
    expect(verifyHmacBase64({ secret: 'k', payload, signature })).toBe(true);
    expect(verifyHmacBase64({ secret: 'k', payload, signature: 'AAAA' })).toBe(false);
  });

  it('checks t=...,v1=... headers within the tolerance window', () => {
    const now = new Date('2024-05-01T10:00:00Z');
    const t = Math.floor(now.getTime() / 1000);
    const header = signTimestamped({ secret: 'whk', payload, timestamp: t });
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyTimestamped({ secret: 'whk', payload, header, now })).toBe(true);
    // Several v1 entries (secret rotation): any may match.
    expect(
      verifyTimestamped({
        secret: 'whk',
        payload,
        header: `t=${t},v1=${'0'.repeat(64)},${header.split(',')[1]}`,
        now,
      }),
    ).toBe(true);
    const late = new Date(now.getTime() + 301_000);
    expect(verifyTimestamped({ secret: 'whk', payload, header, now: late })).toBe(false);
    expect(
      verifyTimestamped({ secret: 'whk', payload, header, now: late, toleranceSeconds: 600 }),
    ).toBe(true);
    expect(
      verifyTimestamped({
        secret: 'whk',
        payload,
        header: header.replace(`t=${t}`, `t=${t + 1}`),
        now,
      }),
    ).toBe(false);
    expect(verifyTimestamped({ secret: 'whk', payload, header: 'garbage', now })).toBe(false);
  });

  it('matches the Standard Webhooks reference vector', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signStandardWebhook({
      secret,
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      payload: '{"test": 2432232314}',
    });
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    const now = new Date(1614265330 * 1000);
    const ok = verifyStandardWebhook({ secret, headers, payload: '{"test": 2432232314}', now });
    expect(ok).toBe(true);
  });

  it('rejects forged, replayed and stale Standard Webhooks requests', () => {
    const secret = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
    const now = new Date();
    const headers = signStandardWebhook({ secret, id: 'msg_1', payload });
    expect(verifyStandardWebhook({ secret, headers, payload, now })).toBe(true);
    const multi = { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` };
    expect(verifyStandardWebhook({ secret, headers: multi, payload, now })).toBe(true);
    expect(
      verifyStandardWebhook({
        secret,
        headers: { ...headers, 'webhook-id': 'msg_2' },
        payload,
        now,
      }),
    ).toBe(false);
    const otherSecret = `whsec_${Buffer.from('b'.repeat(32)).toString('base64')}`;
    expect(verifyStandardWebhook({ secret: otherSecret, headers, payload, now })).toBe(false);
    const stale = new Date(now.getTime() + 10 * 60_000);
    expect(verifyStandardWebhook({ secret, headers, payload, now: stale })).toBe(false);
    expect(verifyStandardWebhook({ secret, headers: {}, payload, now })).toBe(false);
  });
});
