import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback OAuth 2.0 server and API: it issues codes bound to a PKCE challenge and redirect
 * URI, rotates refresh tokens on every refresh and refuses a reused one (`reused` counts them),
 * answers `GET /me` only to the newest access token, and can revoke it (`revoke()`) to make the
 * API answer 401 before the token's expiry.
 */
export async function startOAuthServer(
  options: { expiresIn?: number; refreshDelayMs?: number } = {},
) {
  let serial = 0;
  const codes = new Map<string, { challenge: string; redirectUri: string; clientId: string }>();
  const liveRefresh = new Set<string>();
  const usedRefresh = new Set<string>();
  let access: string | undefined;
  const grants: URLSearchParams[] = [];
  const stats = { refreshes: 0, reused: 0, meCalls: 0 };
  const issue = () => {
    serial += 1;
    access = `access-${serial}`;
    const refresh = `refresh-${serial}`;
    liveRefresh.add(refresh);
    return {
      access_token: access,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: options.expiresIn ?? 3600,
      scope: 'contacts offline',
    };
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://loopback');
      const send = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (url.pathname === '/me') {
        stats.meCalls += 1;
        return req.headers.authorization === `Bearer ${access}`
          ? send(200, { user: 'ann' })
          : send(401, { error: 'invalid_token' });
      }
      if (url.pathname !== '/token' || req.method !== 'POST') return send(404, {});
      const params = new URLSearchParams(body);
      grants.push(params);
      if (params.get('client_id') !== 'junction' || params.get('client_secret') !== 'shh') {
        return send(401, { error: 'invalid_client' });
      }
      if (params.get('grant_type') === 'authorization_code') {
        const code = codes.get(params.get('code') ?? '');
        codes.delete(params.get('code') ?? '');
        const verifier = params.get('code_verifier') ?? '';
        const challenge = createHash('sha256').update(verifier).digest('base64url');
        if (
          !code ||
          code.challenge !== challenge ||
          code.redirectUri !== params.get('redirect_uri')
        ) {
          return send(400, { error: 'invalid_grant' });
        }
        return send(200, issue());
      }
      if (params.get('grant_type') === 'refresh_token') {
        const token = params.get('refresh_token') ?? '';
        if (!liveRefresh.has(token)) {
          if (usedRefresh.has(token)) stats.reused += 1;
          return send(400, { error: 'invalid_grant' });
        }
        liveRefresh.delete(token);
        usedRefresh.add(token);
        stats.refreshes += 1;
        // Slow enough that a second refresh of the same connection would overlap this one.
        await new Promise((r) => setTimeout(r, options.refreshDelayMs ?? 0));
        return send(200, issue());
      }
      return send(400, { error: 'unsupported_grant_type' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    grants,
    stats,
    /** What the consent page does once the user agrees: a code for this challenge. */
    consent(authorizeUrl: string): { code: string; state: string; redirectUri: string } {
      const u = new URL(authorizeUrl);
      const code = `code-${codes.size + 1}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, {
        challenge: u.searchParams.get('code_challenge') ?? '',
        redirectUri: u.searchParams.get('redirect_uri') ?? '',
        clientId: u.searchParams.get('client_id') ?? '',
      });
      return {
        code,
        state: u.searchParams.get('state') ?? '',
        redirectUri: u.searchParams.get('redirect_uri') ?? '',
      };
    },
    /** The API stops accepting the current access token (as after a revocation). */
    revoke() {
      access = `revoked-${serial}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
