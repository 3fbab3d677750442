import { createHash } from 'node:crypto';
import {
  defineWebhookTrigger,
  field,
  InvalidInputError,
  type JsonValue,
  type WebhookRequest,
} from '@junction/connector-kit';
import { verifySignature } from '../verify-signature.js';
import { type WebhookSettings, webhookSettingsFields } from '../webhook-settings.js';

function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) {
      return undefined;
    }
    current = Reflect.get(current, segment);
  }
  return current;
}

function dedupeKeyOf(req: WebhookRequest, settings: WebhookSettings): string {
  if (settings.dedupeHeader !== undefined) {
    const value = req.headers[settings.dedupeHeader.toLowerCase()];
    if (value) return value;
  }
  if (settings.dedupePath !== undefined) {
    const value = atPath(req.body, settings.dedupePath);
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  if (settings.signatureScheme === 'standard' && req.headers['webhook-id']) {
    return String(req.headers['webhook-id']);
  }
  return `sha256:${createHash('sha256').update(req.rawBody).digest('hex')}`;
}

/**
 * Any JSON webhook: the signature is checked with the scheme in the trigger settings
 * (`signatureScheme`, `signatureHeader`, `signaturePrefix`, `toleranceSeconds`) and the secret
 * `webhookSecret`; the body becomes one event whose dedupe key comes from `dedupeHeader`, else
 * `dedupePath` in the body, else the Standard Webhooks `webhook-id`, else a SHA-256 of the body.
 *
 * @example
 * ```ts
 * const outcome = await handleWebhook(webhookReceived, request, ctx);
 * ```
 */
export const webhookReceived = defineWebhookTrigger({
  key: 'webhook-received',
  name: 'Webhook received',
  description: "A signed JSON request arrived at this integration's webhook URL.",
  settings: webhookSettingsFields,
  output: {
    body: field.json({
      description: 'The JSON body (the signature was checked over its raw bytes)',
    }),
    dedupeKey: field.string({
      description: 'Where the event came from: header, body path or hash',
    }),
    contentType: field.string({ required: false }),
  },
  sample: {
    body: { event: 'contact.created', id: 'evt_1', data: { email: 'ann@example.com' } },
    dedupeKey: 'evt_1',
    contentType: 'application/json',
  },
  verify(req, ctx) {
    const secret = ctx.credentials.webhookSecret;
    return verifySignature(req, ctx.settings, typeof secret === 'string' ? secret : undefined);
  },
  parse(req, ctx) {
    if (req.body === undefined) {
      const message = 'the body is not JSON';
      throw new InvalidInputError(`Webhook refused: ${message}.`, {
        problems: [{ pointer: '', message }],
      });
    }
    const dedupeKey = dedupeKeyOf(req, ctx.settings);
    const contentType = req.headers['content-type'];
    return [
      {
        dedupeKey,
        data: {
          body: req.body as JsonValue,
          dedupeKey,
          ...(contentType === undefined ? {} : { contentType }),
        },
      },
    ];
  },
});
