import type { AuthDefinition, Credentials } from './auth.js';
import { AuthError } from './errors.js';

function need(credentials: Credentials, key: string, kind: string): string {
  const value = credentials[key];
  if (typeof value !== 'string' || value === '') {
    throw new AuthError(`The ${kind} credentials have no "${key}"; connect the account again.`);
  }
  return value;
}

/**
 * Adds a connection's credentials to an outgoing request (header or query), as its auth kind
 * says. Throws {@link AuthError} when a needed credential is missing.
 *
 * @example
 * ```ts
 * applyAuth({ kind: 'bearer' }, { token: 't' }, url, headers); // headers.authorization = 'Bearer t'
 * ```
 */
export function applyAuth(
  auth: AuthDefinition,
  credentials: Credentials,
  url: URL,
  headers: Headers,
): void {
  switch (auth.kind) {
    case 'none':
      return;
    case 'apiKey': {
      const key = need(credentials, 'apiKey', 'API key');
      if (auth.in === 'query') url.searchParams.set(auth.name, key);
      else headers.set(auth.name, `${auth.prefix ?? ''}${key}`);
      return;
    }
    case 'basic': {
      const user = need(credentials, 'username', 'basic');
      const password = typeof credentials.password === 'string' ? credentials.password : '';
      headers.set(
        'authorization',
        `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      );
      return;
    }
    case 'bearer':
      headers.set('authorization', `Bearer ${need(credentials, 'token', 'bearer')}`);
      return;
    case 'oauth2':
      headers.set('authorization', `Bearer ${need(credentials, 'accessToken', 'OAuth 2.0')}`);
      return;
    case 'custom': {
      const applied = auth.apply?.(credentials as never);
      for (const [k, v] of Object.entries(applied?.headers ?? {})) headers.set(k, v);
      for (const [k, v] of Object.entries(applied?.query ?? {})) url.searchParams.set(k, v);
      return;
    }
  }
}
