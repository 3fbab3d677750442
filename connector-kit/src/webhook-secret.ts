import type { Credentials } from './auth.js';
import { AuthError } from './errors.js';
import { type FieldSet, field } from './field.js';

/**
 * A webhook signing secret kept in a connection beside its API credential (since 1.4): the
 * vendor signs the webhooks it sends with it, and a webhook trigger's `verify` reads it as
 * `ctx.credentials.webhookSecret` (or with {@link webhookSecretOf}).
 *
 * - `true`: an optional secret of any form.
 * - `{ required: true }`: connections without one are refused when saved.
 * - `{ scheme: 'standard' }`: a Standard Webhooks secret, `whsec_` then the key in base64 (the
 *   form `verifyStandardWebhook` needs); anything else is refused when the connection is saved.
 *
 * @example
 * ```ts
 * defineConnector({ ..., auth: { kind: 'bearer', webhookSecret: { required: true, scheme: 'standard' } } });
 * ```
 */
export type WebhookSecretOption =
  | boolean
  | {
      readonly required?: boolean;
      /** `standard`: a `whsec_<base64>` secret; `any` (default): any non-empty text. */
      readonly scheme?: 'standard' | 'any';
      readonly description?: string;
    };

/** A Standard Webhooks secret: `whsec_` and the key in base64. */
export const STANDARD_WEBHOOK_SECRET_PATTERN = '^whsec_[A-Za-z0-9+/]{8,}={0,2}$';

/**
 * The credential fields an auth kind's `webhookSecret` option adds: `{ webhookSecret }`, a
 * secret string (or `{}` when the option is absent or `false`).
 *
 * @example
 * ```ts
 * webhookSecretFields({ scheme: 'standard' }); // { webhookSecret: field.string({ secret: true, pattern: '^whsec_...', required: false }) }
 * ```
 */
export function webhookSecretFields(option: WebhookSecretOption | undefined): FieldSet {
  if (option === undefined || option === false) return {};
  const o = option === true ? {} : option;
  const standard = o.scheme === 'standard';
  return {
    webhookSecret: field.string({
      label: 'Webhook signing secret',
      description:
        o.description ??
        (standard
          ? 'The Standard Webhooks secret the vendor signs webhooks with: whsec_ then base64'
          : 'The secret the vendor signs webhooks with'),
      secret: true,
      required: o.required === true,
      minLength: 1,
      ...(standard ? { pattern: STANDARD_WEBHOOK_SECRET_PATTERN } : {}),
    }),
  };
}

/**
 * The connection's webhook signing secret, for a webhook trigger's `verify`; throws
 * {@link AuthError} (the webhook is rejected) when the connection has none.
 *
 * @example
 * ```ts
 * verify: (req, ctx) => verifyStandardWebhook({ secret: webhookSecretOf(ctx.credentials), headers: req.headers, payload: req.rawBody }),
 * ```
 */
export function webhookSecretOf(credentials: Credentials): string {
  const secret = credentials.webhookSecret;
  if (typeof secret !== 'string' || secret === '') {
    throw new AuthError(
      'The connection has no webhook signing secret; add "webhookSecret" to its credentials.',
    );
  }
  return secret;
}
