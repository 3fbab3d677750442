import { createHash, randomBytes } from 'node:crypto';
import type { OAuth2Auth } from './auth.js';
import { errorFromResponse } from './error-from-response.js';
import { AuthError } from './errors.js';

/**
 * A token set as the platform stores it in a connection.
 *
 * @example
 * ```ts
 * await saveConnectionTokens(connectionId, await refreshOAuth2Token({ auth, clientId, clientSecret, refreshToken }));
 * ```
 */
export interface OAuth2TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** ISO 8601 instant, when the token endpoint gave `expires_in`. */
  readonly expiresAt?: string;
  readonly tokenType: string;
  readonly scope?: string;
}

/**
 * Options of the OAuth 2.0 token helpers.
 *
 * @example
 * ```ts
 * fetchClientCredentialsToken({ auth, clientId, clientSecret, signal: AbortSignal.timeout(10_000) });
 * ```
 */
export interface OAuth2TokenOptions {
  readonly auth: OAuth2Auth;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
}

async function tokenRequest(
  options: OAuth2TokenOptions,
  params: Record<string, string>,
): Promise<OAuth2TokenSet> {
  const { auth, clientId, clientSecret } = options;
  const body = new URLSearchParams(params);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (auth.clientAuth === 'basic') {
    const pair = `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    body.set('client_id', clientId);
    body.set('client_secret', clientSecret);
  }
  const doFetch = options.fetch ?? fetch;
  const res = await doFetch(auth.tokenUrl, {
    method: 'POST',
    headers,
    body,
    signal: options.signal ?? null,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    json = {};
  }
  if (!res.ok) {
    // A refused grant (invalid_grant, invalid_client) needs the user to authorize again.
    if (res.status === 400 || res.status === 401) {
      const reason = typeof json.error === 'string' ? json.error : `HTTP ${res.status}`;
      throw new AuthError(`The token endpoint refused the request: ${reason}`, {
        status: res.status,
      });
    }
    throw errorFromResponse(res.status, res.headers, json);
  }
  if (typeof json.access_token !== 'string') {
    throw new AuthError('The token endpoint answered without an access_token');
  }
  const now = (options.now ?? (() => new Date()))();
  const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : Number(json.expires_in);
  return {
    accessToken: json.access_token,
    tokenType: typeof json.token_type === 'string' ? json.token_type : 'Bearer',
    ...(typeof json.refresh_token === 'string' ? { refreshToken: json.refresh_token } : {}),
    ...(Number.isFinite(expiresIn)
      ? { expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString() }
      : {}),
    ...(typeof json.scope === 'string' ? { scope: json.scope } : {}),
  };
}

/**
 * Exchanges a refresh token for a new token set (called by the platform, never by plugin code).
 * Keeps the old refresh token when the server does not rotate it.
 *
 * @example
 * ```ts
 * const tokens = await refreshOAuth2Token({ auth, clientId, clientSecret, refreshToken });
 * ```
 */
export async function refreshOAuth2Token(
  options: OAuth2TokenOptions & { readonly refreshToken: string },
): Promise<OAuth2TokenSet> {
  const tokens = await tokenRequest(options, {
    grant_type: 'refresh_token',
    refresh_token: options.refreshToken,
  });
  return tokens.refreshToken ? tokens : { ...tokens, refreshToken: options.refreshToken };
}

/**
 * Runs the client-credentials grant with the auth's scopes (called by the platform).
 *
 * @example
 * ```ts
 * const tokens = await fetchClientCredentialsToken({ auth, clientId, clientSecret });
 * ```
 */
export async function fetchClientCredentialsToken(
  options: OAuth2TokenOptions,
): Promise<OAuth2TokenSet> {
  const params: Record<string, string> = { grant_type: 'client_credentials' };
  if (options.auth.scopes.length > 0) params.scope = options.auth.scopes.join(' ');
  return tokenRequest(options, params);
}

/**
 * Whether a stored token must be refreshed before use (expired or expiring within `skewMs`).
 *
 * @example
 * ```ts
 * if (needsRefresh(tokens.expiresAt)) tokens = await refreshOAuth2Token(...);
 * ```
 */
export function needsRefresh(expiresAt: string | undefined, now = new Date(), skewMs = 60_000) {
  if (expiresAt === undefined) return false;
  return Date.parse(expiresAt) - skewMs <= now.getTime();
}

/**
 * A PKCE pair (RFC 7636, S256): the verifier stays with the platform, the challenge goes in the
 * consent URL.
 *
 * @example
 * ```ts
 * const { verifier, challenge } = createPkce();
 * ```
 */
export function createPkce(): { readonly verifier: string; readonly challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * The consent URL of the authorization-code grant: `response_type=code`, the client id, the
 * redirect URI, the auth's scopes, `state` and a PKCE S256 challenge (called by the platform).
 *
 * @example
 * ```ts
 * const url = authorizationUrl({ auth, clientId, redirectUri, state, codeChallenge: challenge });
 * ```
 */
export function authorizationUrl(options: {
  readonly auth: OAuth2Auth;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly state: string;
  readonly codeChallenge: string;
}): string {
  if (!options.auth.authorizeUrl) {
    throw new AuthError('The connector declares no authorizeUrl for the authorization-code grant');
  }
  const url = new URL(options.auth.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', options.clientId);
  url.searchParams.set('redirect_uri', options.redirectUri);
  if (options.auth.scopes.length > 0) url.searchParams.set('scope', options.auth.scopes.join(' '));
  url.searchParams.set('state', options.state);
  url.searchParams.set('code_challenge', options.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

/**
 * Exchanges an authorization code (with its PKCE verifier and the same redirect URI) for a token
 * set (called by the platform when the system redirects back).
 *
 * @example
 * ```ts
 * const tokens = await exchangeAuthorizationCode({ auth, clientId, clientSecret, code, redirectUri, codeVerifier });
 * ```
 */
export function exchangeAuthorizationCode(
  options: OAuth2TokenOptions & {
    readonly code: string;
    readonly redirectUri: string;
    readonly codeVerifier: string;
  },
): Promise<OAuth2TokenSet> {
  return tokenRequest(options, {
    grant_type: 'authorization_code',
    code: options.code,
    redirect_uri: options.redirectUri,
    code_verifier: options.codeVerifier,
  });
}
