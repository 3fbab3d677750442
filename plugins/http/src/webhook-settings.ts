import {
  field,
  type InferFields,
  InvalidInputError,
  validateFields,
} from '@junction/connector-kit';

/**
 * The connection settings the webhook trigger reads (`ctx.connection.settings`): how requests
 * are signed, and where each event's dedupe key comes from.
 *
 * @example
 * ```ts
 * settings: { signatureScheme: 'hex', signatureHeader: 'x-hub-signature-256', signaturePrefix: 'sha256=', dedupeHeader: 'x-github-delivery' }
 * ```
 */
export const webhookSettingsFields = {
  signatureScheme: field.enum(['none', 'hex', 'base64', 'timestamped', 'standard'], {
    required: false,
    default: 'hex',
    description:
      'hex / base64: HMAC-SHA256 of the raw body; timestamped: "t=<unix>,v1=<hex>"; standard: Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature); none: no check (trusted networks only)',
  }),
  signatureHeader: field.string({ required: false, default: 'x-signature', minLength: 1 }),
  signaturePrefix: field.string({ required: false, description: 'e.g. "sha256=" (hex only)' }),
  toleranceSeconds: field.integer({ required: false, default: 300, minimum: 1, maximum: 86_400 }),
  dedupeHeader: field.string({ required: false, description: 'e.g. "x-request-id"' }),
  dedupePath: field.string({
    required: false,
    description: 'A dotted path in the body, e.g. "event.id"',
  }),
} as const;

/**
 * The checked webhook settings.
 *
 * @example
 * ```ts
 * const settings: WebhookSettings = readWebhookSettings(ctx.connection.settings);
 * ```
 */
export type WebhookSettings = InferFields<typeof webhookSettingsFields>;

/**
 * Checks the webhook settings (other keys of the connection's settings are ignored) and applies
 * defaults; bad settings fail with an `InvalidInputError` whose pointers start at `/settings`.
 *
 * @example
 * ```ts
 * readWebhookSettings({ signatureScheme: 'base64', signatureHeader: 'x-shopify-hmac-sha256' });
 * ```
 */
export function readWebhookSettings(
  settings: Readonly<Record<string, unknown>> | undefined,
): WebhookSettings {
  const known = Object.fromEntries(
    Object.entries(settings ?? {}).filter(([k]) => k in webhookSettingsFields),
  );
  const checked = validateFields(webhookSettingsFields, known);
  if (checked.problems.length > 0) {
    const problems = checked.problems.map((p) => ({ ...p, pointer: `/settings${p.pointer}` }));
    const list = problems.map((p) => `${p.pointer} ${p.message}`).join('; ');
    throw new InvalidInputError(`The webhook settings are invalid: ${list}`, { problems });
  }
  const v = checked.value;
  const text = (key: string) => (typeof v[key] === 'string' ? v[key] : undefined);
  const scheme = v.signatureScheme;
  return {
    signatureScheme:
      scheme === 'none' || scheme === 'base64' || scheme === 'timestamped' || scheme === 'standard'
        ? scheme
        : 'hex',
    signatureHeader: (text('signatureHeader') ?? 'x-signature').toLowerCase(),
    toleranceSeconds: typeof v.toleranceSeconds === 'number' ? v.toleranceSeconds : 300,
    ...optional('signaturePrefix', text('signaturePrefix')),
    ...optional('dedupeHeader', text('dedupeHeader')?.toLowerCase()),
    ...optional('dedupePath', text('dedupePath')),
  };
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}
