import { afterEach, describe, expect, it } from 'vitest';
import { redactSecrets, secretValues } from './auth.js';
import { AuthError } from './errors.js';
import { field } from './field.js';
import { fetchClientCredentialsToken, needsRefresh, refreshOAuth2Token } from './oauth2.js';
import { startTestServer, type TestServer } from './testing/start-test-server.js';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('auth', () => {
  it('redacts secret fields and undeclared keys', () => {
    expect(redactSecrets({ kind: 'basic' }, { username: 'ann', password: 'pw' })).toEqual({
      username: 'ann',
      password: '[REDACTED]',
    });
    const custom = {
      kind: 'custom' as const,
      fields: { account: field.string(), signingKey: field.string({ secret: true }) },
    };
    expect(redactSecrets(custom, { account: 'a1', signingKey: 'k', other: 'x' })).toEqual({
      account: 'a1',
      signingKey: '[REDACTED]',
      other: '[REDACTED]',
    });
    expect(secretValues(custom, { account: 'a1', signingKey: 'k9k9' })).toEqual(['k9k9']);
  });

  it('refreshes an OAuth 2.0 token at the token endpoint, keeping the refresh token', async () => {
    server = await startTestServer((req) => {
      const form = new URLSearchParams(req.rawBody.toString());
      if (form.get('refresh_token') === 'revoked')
        return { status: 400, body: { error: 'invalid_grant' } };
      return {
        body: {
          access_token: `at-${form.get('grant_type')}-${form.get('scope') ?? ''}`,
          token_type: 'Bearer',
          expires_in: 3600,
        },
      };
    });
    const auth = {
      kind: 'oauth2' as const,
      grant: 'clientCredentials' as const,
      tokenUrl: `${server.url}/token`,
      scopes: ['a', 'b'],
    };
    const now = () => new Date('2024-05-01T10:00:00Z');
    const refreshed = await refreshOAuth2Token({
      auth,
      clientId: 'id',
      clientSecret: 'secret',
      refreshToken: 'rt',
      now,
    });
    expect(refreshed).toEqual({
      accessToken: 'at-refresh_token-',
      tokenType: 'Bearer',
      refreshToken: 'rt',
      expiresAt: '2024-05-01T11:00:00.000Z',
    });
    const form = new URLSearchParams(server.requests[0]?.rawBody.toString());
    expect(form.get('client_secret')).toBe('secret');
    const cc = await fetchClientCredentialsToken({ auth, clientId: 'id', clientSecret: 's' });
    expect(cc.accessToken).toBe('at-client_credentials-a b');
    await expect(
      refreshOAuth2Token({ auth, clientId: 'id', clientSecret: 's', refreshToken: 'revoked' }),
    ).rejects.toBeInstanceOf(AuthError);
    expect(needsRefresh('2024-05-01T10:00:30Z', now())).toBe(true);
    expect(needsRefresh('2024-05-01T11:00:00Z', now())).toBe(false);
  });
});
