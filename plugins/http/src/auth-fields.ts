import { field } from '@junction/connector-kit';

/**
 * The credential fields of an HTTP connection. `authKind` picks how requests authenticate;
 * only the fields of that kind are used. `webhookSecret` verifies incoming webhooks.
 *
 * @example
 * ```ts
 * const credentials = { authKind: 'apiKey', apiKeyIn: 'header', apiKeyName: 'X-Api-Key', apiKey: 'k_123' };
 * ```
 */
export const authFields = {
  authKind: field.enum(['none', 'apiKey', 'basic', 'bearer', 'oauth2'], {
    label: 'Authentication',
    default: 'none',
  }),
  apiKeyIn: field.enum(['header', 'query'], {
    required: false,
    label: 'API key in',
    default: 'header',
  }),
  apiKeyName: field.string({
    required: false,
    label: 'API key header or query parameter',
    examples: ['X-Api-Key', 'api_key'],
  }),
  apiKeyPrefix: field.string({
    required: false,
    label: 'API key prefix',
    description: 'Put before the key in a header, e.g. "Token "',
  }),
  apiKey: field.string({ required: false, secret: true, label: 'API key' }),
  username: field.string({ required: false, label: 'Username (basic)' }),
  password: field.string({ required: false, secret: true, label: 'Password (basic)' }),
  token: field.string({ required: false, secret: true, label: 'Bearer token' }),
  accessToken: field.string({
    required: false,
    secret: true,
    label: 'OAuth 2.0 access token',
    description:
      'A current access token, sent as a bearer token. A generic connection cannot declare an OAuth app, so nothing refreshes it: store a long-lived token or update it.',
  }),
  webhookSecret: field.string({
    required: false,
    secret: true,
    label: 'Webhook signing secret',
    description: 'For Standard Webhooks, the whsec_... secret',
  }),
} as const;
