import {
  type Payload,
  verifyHmacBase64,
  verifyHmacHex,
  verifyStandardWebhook,
  verifyTimestamped,
  type WebhookRequest,
} from '@junction/connector-kit';
import type { WebhookSettings } from './webhook-settings.js';

/**
 * Checks a webhook request's signature over its exact raw body with the configured scheme.
 * Throws (the platform then refuses the request with the message as reason) when a signature is
 * required but the connection has no secret.
 *
 * @example
 * ```ts
 * verifySignature(req, settings, 'shh'); // true or false
 * ```
 */
export function verifySignature(
  req: WebhookRequest,
  settings: WebhookSettings,
  secret: string | undefined,
): boolean {
  const scheme = settings.signatureScheme;
  if (scheme === 'none') return true;
  if (secret === undefined || secret === '') {
    throw new Error(`the "${scheme}" signature scheme needs the connection's webhook secret`);
  }
  const payload: Payload = req.rawBody;
  const signature = req.headers[settings.signatureHeader.toLowerCase()];
  const toleranceSeconds = settings.toleranceSeconds;
  switch (scheme) {
    case 'hex':
      return verifyHmacHex({
        secret,
        payload,
        signature,
        ...(settings.signaturePrefix === undefined ? {} : { prefix: settings.signaturePrefix }),
      });
    case 'base64':
      return verifyHmacBase64({ secret, payload, signature });
    case 'timestamped':
      return verifyTimestamped({ secret, payload, header: signature, toleranceSeconds });
    case 'standard':
      return verifyStandardWebhook({ secret, payload, headers: req.headers, toleranceSeconds });
  }
}
