import {
  fetchClientCredentialsToken,
  needsRefresh,
  type OAuth2Auth,
  refreshOAuth2Token,
} from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { ConnectionRow } from './connection-store.js';

/**
 * The credentials to call a system with. For OAuth 2.0 connections the platform (not the plugin)
 * keeps the access token fresh: a client-credentials token is fetched when missing or expiring, an
 * authorization-code token is refreshed with its refresh token, and `rejectedAccessToken` (a
 * token the system just answered 401 to) is replaced even before its expiry. One refresh per
 * connection at a time across every process: the refresh runs under the connection row's lock, and
 * a process that waited for it reads the token the other stored (its stale check is made again
 * under the lock), so a rotated refresh token is never used twice. The new tokens, the rotated
 * refresh token included, are stored with their audit entry in the same transaction.
 */
export async function resolveCredentials(
  deps: {
    db: Kysely<Database>;
    box: SecretBox;
    connectors: ConnectorSource;
    fetch?: typeof fetch;
    /** The row's decrypted credentials (a cache may answer); decrypted here by default. */
    open?: (row: ConnectionRow) => Record<string, unknown>;
  },
  row: ConnectionRow,
  { rejectedAccessToken }: { readonly rejectedAccessToken?: string } = {},
): Promise<Record<string, unknown>> {
  const credentials = deps.open
    ? deps.open(row)
    : row.secrets
      ? (deps.box.open(row.secrets) as Record<string, unknown>)
      : {};
  const auth = deps.connectors.get(row.connector_id)?.definition.auth;
  if (auth?.kind !== 'oauth2' || !stale(auth, credentials, rejectedAccessToken)) {
    return credentials;
  }
  return deps.db.transaction().execute(async (trx) => {
    const locked = await trx
      .selectFrom('connections')
      .select(['secrets'])
      .where('id', '=', row.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const current = locked.secrets
      ? (deps.box.open(locked.secrets) as Record<string, unknown>)
      : {};
    if (!stale(auth, current, rejectedAccessToken)) return current;
    const options = {
      auth,
      clientId: String(current.clientId ?? ''),
      clientSecret: String(current.clientSecret ?? ''),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    };
    const tokens =
      auth.grant === 'clientCredentials'
        ? await fetchClientCredentialsToken(options)
        : await refreshOAuth2Token({ ...options, refreshToken: String(current.refreshToken) });
    const next = {
      ...current,
      accessToken: tokens.accessToken,
      ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
      ...(tokens.expiresAt ? { expiresAt: tokens.expiresAt } : {}),
    };
    await trx
      .updateTable('connections')
      .set({ secrets: deps.box.seal(next), secret_names: Object.keys(next) })
      .where('id', '=', row.id)
      .execute();
    await recordAudit(trx, {
      actor: 'system',
      action: 'connection.token.refresh',
      subjectType: 'connection',
      subjectId: row.id,
      data: {
        grant: auth.grant,
        expiresAt: tokens.expiresAt ?? null,
        reason: rejectedAccessToken === undefined ? 'expiry' : 'rejected',
        refreshTokenRotated:
          tokens.refreshToken !== undefined && tokens.refreshToken !== current.refreshToken,
      },
    });
    return next;
  });
}

function stale(
  auth: OAuth2Auth,
  credentials: Record<string, unknown>,
  rejectedAccessToken: string | undefined,
): boolean {
  const canRenew =
    auth.grant === 'clientCredentials' || typeof credentials.refreshToken === 'string';
  const expiresAt = typeof credentials.expiresAt === 'string' ? credentials.expiresAt : undefined;
  if (typeof credentials.accessToken !== 'string' || credentials.accessToken === '')
    return canRenew;
  if (rejectedAccessToken !== undefined && credentials.accessToken === rejectedAccessToken) {
    return canRenew;
  }
  return needsRefresh(expiresAt) && canRenew;
}
