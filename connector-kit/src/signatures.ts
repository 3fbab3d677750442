import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Bytes or text to sign; text is UTF-8. Use the request's `rawBody`, never re-serialised JSON.
 *
 * @example
 * ```ts
 * verifyHmacHex({ secret, payload: req.rawBody, signature });
 * ```
 */
export type Payload = string | Uint8Array;

function hmac(secret: string | Uint8Array, payload: Payload): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function decode(text: string, encoding: 'hex' | 'base64'): Buffer | undefined {
  const valid = encoding === 'hex' ? /^[0-9a-f]+$/i : /^[A-Za-z0-9+/_-]+={0,2}$/;
  return valid.test(text) ? Buffer.from(text, encoding) : undefined;
}

/**
 * HMAC-SHA256 of a payload, hex-encoded (GitHub's `X-Hub-Signature-256` with prefix `sha256=`).
 *
 * @example
 * ```ts
 * const signature = signHmacHex({ secret: 'shh', payload: rawBody, prefix: 'sha256=' });
 * ```
 */
export function signHmacHex(o: { secret: string; payload: Payload; prefix?: string }): string {
  return `${o.prefix ?? ''}${hmac(o.secret, o.payload).toString('hex')}`;
}

/**
 * Checks a hex HMAC-SHA256 signature in constant time; `false` when missing or wrong.
 *
 * @example
 * ```ts
 * verifyHmacHex({ secret, payload: req.rawBody, signature: req.headers['x-hub-signature-256'], prefix: 'sha256=' });
 * ```
 */
export function verifyHmacHex(o: {
  secret: string;
  payload: Payload;
  signature: string | undefined;
  prefix?: string;
}): boolean {
  const prefix = o.prefix ?? '';
  if (!o.signature?.startsWith(prefix)) return false;
  const given = decode(o.signature.slice(prefix.length).trim(), 'hex');
  return given !== undefined && safeEqual(given, hmac(o.secret, o.payload));
}

/**
 * HMAC-SHA256 of a payload, base64-encoded (Shopify's `X-Shopify-Hmac-Sha256`).
 *
 * @example
 * ```ts
 * const signature = signHmacBase64({ secret: 'shh', payload: rawBody });
 * ```
 */
export function signHmacBase64(o: { secret: string; payload: Payload }): string {
  return hmac(o.secret, o.payload).toString('base64');
}

/**
 * Checks a base64 HMAC-SHA256 signature in constant time.
 *
 * @example
 * ```ts
 * verifyHmacBase64({ secret, payload: req.rawBody, signature: req.headers['x-shopify-hmac-sha256'] });
 * ```
 */
export function verifyHmacBase64(o: {
  secret: string;
  payload: Payload;
  signature: string | undefined;
}): boolean {
  const given = o.signature === undefined ? undefined : decode(o.signature.trim(), 'base64');
  return given !== undefined && safeEqual(given, hmac(o.secret, o.payload));
}

function contentWithTimestamp(timestamp: number, payload: Payload): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}.`), Buffer.from(payload)]);
}

const seconds = (now: Date | undefined) => Math.floor((now ?? new Date()).getTime() / 1000);

/**
 * Signs with the timestamped scheme `t=<unix seconds>,v1=<hex hmac of "t.payload">` (Stripe-like).
 *
 * @example
 * ```ts
 * const header = signTimestamped({ secret, payload: body }); // 't=1714557600,v1=5f2c...'
 * ```
 */
export function signTimestamped(o: {
  secret: string;
  payload: Payload;
  timestamp?: number;
}): string {
  const t = o.timestamp ?? seconds(undefined);
  return `t=${t},v1=${hmac(o.secret, contentWithTimestamp(t, o.payload)).toString('hex')}`;
}

/**
 * Verifies a `t=...,v1=...` header: any `v1` may match, and `t` must be within `toleranceSeconds`
 * (default 300) of now, which stops replays of old requests.
 *
 * @example
 * ```ts
 * verifyTimestamped({ secret, payload: req.rawBody, header: req.headers['stripe-signature'] });
 * ```
 */
export function verifyTimestamped(o: {
  secret: string;
  payload: Payload;
  header: string | undefined;
  toleranceSeconds?: number;
  now?: Date;
}): boolean {
  if (o.header === undefined) return false;
  const pairs = o.header.split(',').map((p) => p.trim().split('=', 2) as [string, string?]);
  const t = Number(pairs.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t)) return false;
  if (Math.abs(seconds(o.now) - t) > (o.toleranceSeconds ?? 300)) return false;
  const expected = hmac(o.secret, contentWithTimestamp(t, o.payload));
  return pairs.some(([k, v]) => {
    const given = k === 'v1' && v !== undefined ? decode(v, 'hex') : undefined;
    return given !== undefined && safeEqual(given, expected);
  });
}

function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/**
 * Signs per Standard Webhooks: returns the three headers for `id`, `timestamp` and `payload`;
 * the secret is `whsec_<base64 key>`.
 *
 * @example
 * ```ts
 * const headers = signStandardWebhook({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', payload: body });
 * ```
 */
export function signStandardWebhook(o: {
  secret: string;
  id: string;
  payload: Payload;
  timestamp?: number;
}): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const t = o.timestamp ?? seconds(undefined);
  const content = Buffer.concat([Buffer.from(`${o.id}.${t}.`), Buffer.from(o.payload)]);
  const signature = hmac(standardKey(o.secret), content).toString('base64');
  return {
    'webhook-id': o.id,
    'webhook-timestamp': String(t),
    'webhook-signature': `v1,${signature}`,
  };
}

/**
 * Verifies Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`
 * with space-separated `v1,<base64>` entries) with a timestamp tolerance (default 300 s).
 *
 * @example
 * ```ts
 * verifyStandardWebhook({ secret, headers: req.headers, payload: req.rawBody });
 * ```
 */
export function verifyStandardWebhook(o: {
  secret: string;
  headers: Readonly<Record<string, string | undefined>>;
  payload: Payload;
  toleranceSeconds?: number;
  now?: Date;
}): boolean {
  const id = o.headers['webhook-id'];
  const t = Number(o.headers['webhook-timestamp']);
  const signatures = o.headers['webhook-signature'];
  if (!id || !signatures || !Number.isInteger(t)) return false;
  if (Math.abs(seconds(o.now) - t) > (o.toleranceSeconds ?? 300)) return false;
  const content = Buffer.concat([Buffer.from(`${id}.${t}.`), Buffer.from(o.payload)]);
  const expected = hmac(standardKey(o.secret), content);
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    const given = version === 'v1' && value ? decode(value, 'base64') : undefined;
    return given !== undefined && safeEqual(given, expected);
  });
}
