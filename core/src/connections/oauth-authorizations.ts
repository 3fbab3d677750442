import { createHash, randomBytes } from 'node:crypto';
import {
  authorizationUrl,
  createPkce,
  exchangeAuthorizationCode,
  type OAuth2Auth,
} from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { SecretBox } from '../secrets/secret-box.js';
import { ConfigProblem } from './config-problem.js';
import type { Actor, ConnectionRow } from './connection-store.js';

/** How long a consent URL can be used. */
const GRANT_TTL_MS = 10 * 60_000;

/** The path the system redirects the user back to, under Junction's public URL. */
export const OAUTH_CALLBACK_PATH = '/oauth/callback';

const hash = (state: string) => createHash('sha256').update(state).digest();

/**
 * The OAuth 2.0 authorization-code grant, run by the platform: `start` gives a consent URL with a
 * single-use `state` (stored hashed) and a PKCE challenge (the verifier stored sealed); `complete`
 * takes the system's redirect back, uses the state once, exchanges the code and stores the
 * connection's tokens with their audit entry in one transaction.
 */
export function createOAuthAuthorizations(deps: {
  db: Kysely<Database>;
  box: SecretBox;
  connectors: ConnectorSource;
  fetch?: typeof fetch;
  now?: () => Date;
}) {
  const { db, box } = deps;
  const now = deps.now ?? (() => new Date());

  function codeAuth(connectorId: string): OAuth2Auth {
    const auth = deps.connectors.get(connectorId)?.definition.auth;
    if (auth?.kind !== 'oauth2' || auth.grant !== 'authorizationCode' || !auth.authorizeUrl) {
      throw new ConfigProblem(
        [],
        `The connector "${connectorId}" does not use the OAuth 2.0 authorization-code grant.`,
        409,
      );
    }
    return auth;
  }

  function clientOf(row: ConnectionRow) {
    const credentials = row.secrets ? (box.open(row.secrets) as Record<string, unknown>) : {};
    const missing = ['clientId', 'clientSecret'].filter((k) => typeof credentials[k] !== 'string');
    if (missing.length > 0) {
      throw new ConfigProblem(
        missing.map((k) => ({ pointer: `/credentials/${k}`, detail: 'is required to authorize' })),
        'Set the client id and secret of the connection before authorizing it.',
        409,
      );
    }
    return {
      clientId: String(credentials.clientId),
      clientSecret: String(credentials.clientSecret),
    };
  }

  return {
    async start(row: ConnectionRow, options: { readonly redirectUri: string; readonly by: Actor }) {
      const auth = codeAuth(row.connector_id);
      const { clientId } = clientOf(row);
      const state = randomBytes(32).toString('base64url');
      const pkce = createPkce();
      const expiresAt = new Date(now().getTime() + GRANT_TTL_MS);
      await db.deleteFrom('oauth_authorizations').where('expires_at', '<', now()).execute();
      await db
        .insertInto('oauth_authorizations')
        .values({
          state_hash: hash(state),
          connection_id: row.id,
          verifier: box.seal(pkce.verifier),
          redirect_uri: options.redirectUri,
          actor: options.by.actor,
          expires_at: expiresAt,
        })
        .execute();
      const url = authorizationUrl({
        auth,
        clientId,
        redirectUri: options.redirectUri,
        state,
        codeChallenge: pkce.challenge,
      });
      return {
        authorizeUrl: url,
        redirectUri: options.redirectUri,
        expiresAt: expiresAt.toISOString(),
      };
    },

    /** Resolves to the connection id the tokens were stored in. */
    async complete(query: {
      state?: string;
      code?: string;
      error?: string;
      errorDescription?: string;
    }) {
      if (!query.state)
        throw new ConfigProblem(
          [{ pointer: '/state', detail: 'is required' }],
          'The redirect has no state.',
          400,
        );
      const grant = await db
        .deleteFrom('oauth_authorizations')
        .where('state_hash', '=', hash(query.state))
        .returningAll()
        .executeTakeFirst();
      if (!grant || grant.expires_at.getTime() < now().getTime()) {
        throw new ConfigProblem(
          [{ pointer: '/state', detail: 'is unknown, used or expired' }],
          'This authorization is unknown, was already used or has expired; start it again.',
          400,
        );
      }
      if (query.error) {
        throw new ConfigProblem(
          [{ pointer: '/error', detail: query.error }],
          `The system refused the authorization: ${query.error}${query.errorDescription ? ` (${query.errorDescription})` : ''}.`,
          400,
        );
      }
      if (!query.code)
        throw new ConfigProblem(
          [{ pointer: '/code', detail: 'is required' }],
          'The redirect has no code.',
          400,
        );
      const row = await db
        .selectFrom('connections')
        .selectAll()
        .where('id', '=', grant.connection_id)
        .executeTakeFirstOrThrow();
      const auth = codeAuth(row.connector_id);
      const tokens = await exchangeAuthorizationCode({
        auth,
        ...clientOf(row),
        code: query.code,
        redirectUri: grant.redirect_uri,
        codeVerifier: String(box.open(grant.verifier)),
        ...(deps.fetch ? { fetch: deps.fetch } : {}),
      }).catch((error: Error) => {
        throw new ConfigProblem(
          [{ pointer: '/code', detail: error.message }],
          `The token endpoint refused the code: ${error.message}`,
          400,
        );
      });
      await db.transaction().execute(async (trx) => {
        const locked = await trx
          .selectFrom('connections')
          .selectAll()
          .where('id', '=', row.id)
          .forUpdate()
          .executeTakeFirstOrThrow();
        const current = locked.secrets ? (box.open(locked.secrets) as Record<string, unknown>) : {};
        const next: Record<string, unknown> = {
          ...current,
          accessToken: tokens.accessToken,
          ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        };
        if (tokens.expiresAt) next.expiresAt = tokens.expiresAt;
        else delete next.expiresAt;
        await trx
          .updateTable('connections')
          .set((eb) => ({
            secrets: box.seal(next),
            secret_names: Object.keys(next),
            revision: eb('revision', '+', 1),
            updated_at: new Date(),
          }))
          .where('id', '=', row.id)
          .execute();
        await recordAudit(trx, {
          actor: grant.actor,
          action: 'connection.oauth.authorize',
          subjectType: 'connection',
          subjectId: row.id,
          data: {
            grant: 'authorizationCode',
            scope: tokens.scope ?? null,
            expiresAt: tokens.expiresAt ?? null,
            refreshToken: tokens.refreshToken !== undefined,
          },
        });
      });
      return row.id;
    },
  };
}

export type OAuthAuthorizations = ReturnType<typeof createOAuthAuthorizations>;
