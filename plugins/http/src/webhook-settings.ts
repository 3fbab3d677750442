import { field, type InferFields } from '@junction/connector-kit';

/**
 * The settings of the webhook trigger (trigger settings, `ctx.settings`, given by each
 * integration): how requests are signed, and where each event's dedupe key comes from. Header
 * names are matched case-insensitively.
 *
 * @example
 * ```ts
 * settings: { signatureScheme: 'hex', signatureHeader: 'x-hub-signature-256', signaturePrefix: 'sha256=', dedupeHeader: 'x-github-delivery' }
 * ```
 */
export const webhookSettingsFields = {
  signatureScheme: field.enum(['none', 'hex', 'base64', 'timestamped', 'standard'], {
    default: 'hex',
    label: 'Signature scheme',
    description:
      'hex / base64: HMAC-SHA256 of the raw body; timestamped: "t=<unix>,v1=<hex>"; standard: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); none: no check (trusted networks only)',
  }),
  signatureHeader: field.string({
    default: 'x-signature',
    minLength: 1,
    label: 'Signature header',
  }),
  signaturePrefix: field.string({
    required: false,
    label: 'Signature prefix',
    description: 'e.g. "sha256=" (hex only)',
  }),
  toleranceSeconds: field.integer({
    default: 300,
    minimum: 1,
    maximum: 86_400,
    label: 'Timestamp tolerance (seconds)',
  }),
  dedupeHeader: field.string({
    required: false,
    minLength: 1,
    label: 'Dedupe header',
    description: 'e.g. "x-request-id"',
  }),
  dedupePath: field.string({
    required: false,
    minLength: 1,
    label: 'Dedupe body path',
    description: 'A dotted path in the body, e.g. "event.id"',
  }),
} as const;

/**
 * The checked webhook settings, defaults filled in (what `ctx.settings` holds).
 *
 * @example
 * ```ts
 * const scheme: WebhookSettings['signatureScheme'] = ctx.settings.signatureScheme;
 * ```
 */
export type WebhookSettings = Readonly<InferFields<typeof webhookSettingsFields>>;
