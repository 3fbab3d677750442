import { AuthError, ConnectorError, defineCustomAuth } from '@junction/connector-kit';
import { authFields } from './auth-fields.js';

function need(credentials: Readonly<Record<string, unknown>>, key: string, what: string): string {
  const value = credentials[key];
  if (typeof value !== 'string' || value === '') {
    throw new AuthError(`The HTTP connection has no ${what}; edit the connection.`);
  }
  return value;
}

function text(credentials: Readonly<Record<string, unknown>>, key: string): string {
  const value = credentials[key];
  return typeof value === 'string' ? value : '';
}

/**
 * The HTTP connection's auth: one custom kind whose `authKind` credential picks none, API key
 * (header or query), basic, bearer or an OAuth 2.0 access token, applied to every request by
 * `ctx.http`. The `test` hook sends `GET` to the connection setting `testPath` (default `/`): a
 * 401/403 answer or no answer fails it; any other answer shows the credentials were accepted. A
 * connection without `baseUrl` only receives webhooks: its test says so, calling nothing.
 *
 * @example
 * ```ts
 * httpAuth.apply?.({ authKind: 'bearer', token: 't0k' }); // { headers: { authorization: 'Bearer t0k' } }
 * ```
 */
// `apply`'s credentials are typed from the fields (defineCustomAuth), but stored credentials are
// not guaranteed to match them (the kit does not fill in defaults here), so values are still
// read with runtime checks.
export const httpAuth = defineCustomAuth({
  kind: 'custom',
  description:
    'None, API key (header or query), basic, bearer token, or an OAuth 2.0 access token.',
  fields: authFields,
  apply(c) {
    switch (c.authKind ?? 'none') {
      case 'apiKey': {
        const name = need(c, 'apiKeyName', 'API key header or parameter name');
        const key = need(c, 'apiKey', 'API key');
        return c.apiKeyIn === 'query'
          ? { query: { [name]: key } }
          : { headers: { [name]: `${text(c, 'apiKeyPrefix')}${key}` } };
      }
      case 'basic': {
        const user = need(c, 'username', 'username');
        const basic = Buffer.from(`${user}:${text(c, 'password')}`).toString('base64');
        return { headers: { authorization: `Basic ${basic}` } };
      }
      case 'bearer':
        return { headers: { authorization: `Bearer ${need(c, 'token', 'bearer token')}` } };
      case 'oauth2':
        return {
          headers: { authorization: `Bearer ${need(c, 'accessToken', 'OAuth 2.0 access token')}` },
        };
      case 'none':
        return {};
      default:
        throw new AuthError(
          `The HTTP connection has an unknown authKind ${JSON.stringify(c.authKind)}.`,
        );
    }
  },
  async test(ctx) {
    const baseUrl = ctx.connection.settings?.baseUrl;
    if (typeof baseUrl !== 'string' || baseUrl === '') {
      return {
        ok: true,
        tested: false,
        detail:
          'This connection has no baseUrl: it only receives webhooks, whose signatures are checked against its webhookSecret as they arrive, so there is nothing to call now. Set settings.baseUrl to send requests with it (then this test calls it).',
      };
    }
    const path = ctx.connection.settings?.testPath;
    try {
      await ctx.http.request({ path: typeof path === 'string' ? path : '/', retries: 0 });
      return { ok: true };
    } catch (thrown) {
      if (thrown instanceof AuthError) return { ok: false, reason: thrown.message };
      if (thrown instanceof ConnectorError && thrown.status !== undefined && thrown.status < 500)
        return { ok: true };
      return { ok: false, reason: thrown instanceof Error ? thrown.message : String(thrown) };
    }
  },
});
