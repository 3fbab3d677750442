import { type FieldSet, field, type InferFields } from './field.js';
import type { RunContext } from './run-context.js';
import { type WebhookSecretOption, webhookSecretFields } from './webhook-secret.js';

/**
 * The result of an auth `test` hook.
 *
 * @example
 * ```ts
 * test: async (ctx) => ((await ctx.http.request({ path: '/me' })).ok ? { ok: true } : { ok: false, reason: 'no access' }),
 * ```
 */
export type AuthTestResult =
  | {
      readonly ok: true;
      /**
       * Since 1.10: `false` when there was nothing to check (a connection that only receives
       * webhooks, say); `detail` then says why.
       */
      readonly tested?: boolean;
      /** Since 1.10: what was checked, or why nothing could be, for the operator. */
      readonly detail?: string;
    }
  | { readonly ok: false; readonly reason: string };

interface AuthBase {
  /** Optional check that the credentials work (for example a call to `/me`). */
  readonly test?: (ctx: RunContext) => Promise<AuthTestResult>;
  readonly description?: string;
  /**
   * A webhook signing secret kept beside the API credential, as `credentials.webhookSecret`
   * (since 1.4); see {@link WebhookSecretOption}.
   */
  readonly webhookSecret?: WebhookSecretOption;
}

/**
 * No credentials.
 *
 * @example
 * ```ts
 * auth: { kind: 'none' }
 * ```
 */
export interface NoAuth extends AuthBase {
  readonly kind: 'none';
}
/**
 * An API key sent in a header or a query parameter named `name`.
 *
 * @example
 * ```ts
 * auth: { kind: 'apiKey', in: 'header', name: 'Authorization', prefix: 'Token ' }
 * ```
 */
export interface ApiKeyAuth extends AuthBase {
  readonly kind: 'apiKey';
  readonly in: 'header' | 'query';
  readonly name: string;
  /** Prefix put before the key in a header, e.g. `'Token '`. */
  readonly prefix?: string;
}
/**
 * HTTP Basic: username and password.
 *
 * @example
 * ```ts
 * auth: { kind: 'basic' } // credentials: { username, password }
 * ```
 */
export interface BasicAuth extends AuthBase {
  readonly kind: 'basic';
}
/**
 * A static bearer token.
 *
 * @example
 * ```ts
 * auth: { kind: 'bearer' } // credentials: { token }
 * ```
 */
export interface BearerAuth extends AuthBase {
  readonly kind: 'bearer';
}
/**
 * OAuth 2.0. The platform runs the grant and refreshes tokens (with {@link refreshOAuth2Token}
 * and {@link fetchClientCredentialsToken}); plugin code only ever sees the current access token.
 *
 * @example
 * ```ts
 * auth: { kind: 'oauth2', grant: 'authorizationCode', authorizeUrl: 'https://acme.test/oauth/authorize', tokenUrl: 'https://acme.test/oauth/token', scopes: ['contacts'] }
 * ```
 */
export interface OAuth2Auth extends AuthBase {
  readonly kind: 'oauth2';
  readonly grant: 'authorizationCode' | 'clientCredentials';
  /** Required for `authorizationCode`. */
  readonly authorizeUrl?: string;
  readonly tokenUrl: string;
  readonly scopes: readonly string[];
  /** How the client authenticates at the token endpoint; default `body`. */
  readonly clientAuth?: 'body' | 'basic';
}
/**
 * Any other scheme: the connector declares its own fields and how they go on a request.
 *
 * @example
 * ```ts
 * auth: { kind: 'custom', fields: { account: field.string(), key: field.string({ secret: true }) }, apply: (c) => ({ headers: { 'x-account': c.account, 'x-key': c.key } }) }
 * ```
 */
export interface CustomAuth<F extends FieldSet = FieldSet> extends AuthBase {
  readonly kind: 'custom';
  readonly fields: F;
  /**
   * Headers and query parameters to add to every request, computed from the credentials
   * (typed from `fields`; use {@link defineCustomAuth} to have them inferred).
   */
  apply?(credentials: InferFields<F>): {
    readonly headers?: Readonly<Record<string, string>>;
    readonly query?: Readonly<Record<string, string>>;
  };
}

/**
 * Declares a custom auth with `apply`'s credentials inferred from `fields` (no casts); the result
 * goes straight into `defineConnector({ auth })`.
 *
 * @example
 * ```ts
 * const auth = defineCustomAuth({
 *   kind: 'custom',
 *   fields: { account: field.string(), key: field.string({ secret: true }) },
 *   apply: (c) => ({ headers: { 'x-account': c.account, 'x-key': c.key } }), // c: { account: string; key: string }
 * });
 * ```
 */
export function defineCustomAuth<const F extends FieldSet>(auth: CustomAuth<F>): CustomAuth<F> {
  return auth;
}

/**
 * Every auth kind, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const auth: AuthDefinition = { kind: 'apiKey', in: 'header', name: 'X-Api-Key' };
 * ```
 */
export type AuthDefinition = NoAuth | ApiKeyAuth | BasicAuth | BearerAuth | OAuth2Auth | CustomAuth;

/**
 * The auth kinds as strings.
 *
 * @example
 * ```ts
 * const kind: AuthKind = connector.auth.kind;
 * ```
 */
export type AuthKind = AuthDefinition['kind'];

const apiKeyFields = { apiKey: field.string({ label: 'API key', secret: true }) } as const;
const basicFields = {
  username: field.string({ label: 'Username' }),
  password: field.string({ label: 'Password', secret: true }),
} as const;
const bearerFields = { token: field.string({ label: 'Token', secret: true }) } as const;
const oauth2Fields = {
  clientId: field.string({ label: 'Client ID' }),
  clientSecret: field.string({ label: 'Client secret', secret: true }),
  accessToken: field.string({ label: 'Access token', secret: true, required: false }),
  refreshToken: field.string({ label: 'Refresh token', secret: true, required: false }),
  expiresAt: field.dateTime({ label: 'Access token expiry', required: false }),
} as const;

/**
 * The credential fields of an auth definition (what a connection stores), secrets marked.
 *
 * @example
 * ```ts
 * authFields({ kind: 'basic' }); // { username: field.string(), password: field.string({ secret: true }) }
 * authFields({ kind: 'bearer', webhookSecret: true }); // { token, webhookSecret } (both secret)
 * ```
 */
export function authFields(auth: AuthDefinition): FieldSet {
  const base = credentialFields(auth);
  if (auth.webhookSecret === undefined || auth.webhookSecret === false) return base;
  // One object per definition, so that checks compiled for a field set are reused.
  let fields = withWebhookSecret.get(auth);
  if (!fields) {
    fields = Object.freeze({ ...base, ...webhookSecretFields(auth.webhookSecret), ...base });
    withWebhookSecret.set(auth, fields);
  }
  return fields;
}

const withWebhookSecret = new WeakMap<AuthDefinition, FieldSet>();

function credentialFields(auth: AuthDefinition): FieldSet {
  switch (auth.kind) {
    case 'none':
      return {};
    case 'apiKey':
      return apiKeyFields;
    case 'basic':
      return basicFields;
    case 'bearer':
      return bearerFields;
    case 'oauth2':
      return oauth2Fields;
    case 'custom':
      return auth.fields;
  }
}

/**
 * The resolved credential values of a connection, as the run context carries them.
 *
 * @example
 * ```ts
 * const region = String(ctx.credentials.region ?? 'eu');
 * ```
 */
export type Credentials = Readonly<Record<string, unknown>>;

/**
 * The placeholder that replaces secret values.
 *
 * @example
 * ```ts
 * redactSecrets(auth, values).password === REDACTED;
 * ```
 */
export const REDACTED = '[REDACTED]';

/**
 * Returns a copy of credential values with every secret field (and any key the auth does not
 * declare) replaced by `'[REDACTED]'`, safe for logs, audit and API answers.
 *
 * @example
 * ```ts
 * redactSecrets({ kind: 'basic' }, { username: 'ann', password: 'pw' }); // { username: 'ann', password: '[REDACTED]' }
 * ```
 */
export function redactSecrets(auth: AuthDefinition, values: Credentials): Record<string, unknown> {
  const fields = authFields(auth);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    const f = fields[key];
    out[key] = f === undefined || f.secret === true ? REDACTED : value;
  }
  return out;
}

/**
 * The secret strings among credential values (for a redacting logger).
 *
 * @example
 * ```ts
 * secretValues({ kind: 'bearer' }, { token: 't0k' }); // ['t0k']
 * ```
 */
export function secretValues(auth: AuthDefinition, values: Credentials): string[] {
  const fields = authFields(auth);
  return Object.entries(values)
    .filter(
      ([key, v]) =>
        typeof v === 'string' &&
        v !== '' &&
        (fields[key] === undefined || fields[key].secret === true),
    )
    .map(([, v]) => v as string);
}
