import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Principal, RoleName } from '../auth/principal.js';
import type { TokenVerifier } from '../auth/tokens.js';
import type { Database } from '../db/schema.js';

/** A signed-in console user: who, and the token their forms must carry. */
export interface ConsoleSession {
  readonly principal: Principal;
  readonly csrf: string;
  /** The SHA-256 of the cookie's session id (the row's key). */
  readonly idHash: Buffer;
  /**
   * The console sections (their paths) this process serves, set on each request: a section
   * whose service is absent (plugins, syncs, reviews) is left out of the navigation.
   */
  readonly served?: readonly string[];
}

/** How long a session lives: idle, and at most (sliding within the absolute bound). */
export const sessionIdleSeconds = 2 * 60 * 60;
export const sessionMaxSeconds = 12 * 60 * 60;

const hashOf = (id: string): Buffer => createHash('sha256').update(id).digest();

const envAdmin: Principal = {
  kind: 'token',
  id: 'admin-env',
  name: 'JUNCTION_ADMIN_TOKEN',
  role: 'admin',
};

/**
 * Console sessions kept server-side: signing in checks an API token once with the API's own
 * verifier and stores a hashed random session id; every page then finds the principal through
 * the token's row, so revoking the token (or signing out) ends the session at once.
 */
export function createConsoleSessions(deps: {
  db: Kysely<Database>;
  tokens: TokenVerifier;
  /** Whether JUNCTION_ADMIN_TOKEN is configured (sessions opened with it stay valid only then). */
  adminEnvToken: boolean;
}) {
  const { db } = deps;
  return {
    /** Opens a session for an API token; undefined when the token is unknown or revoked. */
    async open(
      token: string,
    ): Promise<{ id: string; session: ConsoleSession; maxAgeSeconds: number } | undefined> {
      const principal = await deps.tokens.verify(token);
      if (!principal) return undefined;
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      const idHash = hashOf(id);
      await db
        .insertInto('console_sessions')
        .values({
          id_hash: idHash,
          token_id: principal.id,
          csrf,
          expires_at: sql<Date>`now() + make_interval(secs => ${sessionIdleSeconds})`,
        })
        .execute();
      // Sessions past their end are removed by whoever signs in next.
      await db.deleteFrom('console_sessions').where('expires_at', '<', sql<Date>`now()`).execute();
      return { id, session: { principal, csrf, idHash }, maxAgeSeconds: sessionMaxSeconds };
    },

    /** The session of a cookie's id, when it is open and its token still valid. */
    async find(id: string | undefined): Promise<ConsoleSession | undefined> {
      if (!id || id.length > 100) return undefined;
      const idHash = hashOf(id);
      const row = await db
        .selectFrom('console_sessions as s')
        .leftJoin('api_tokens as t', (join) =>
          join.onRef('t.id', '=', 's.token_id').on('t.revoked_at', 'is', null),
        )
        .select([
          's.token_id',
          's.csrf',
          's.seen_at',
          't.id as live_id',
          't.name',
          't.role',
          't.integrations',
        ])
        .where('s.id_hash', '=', idHash)
        .where('s.expires_at', '>', sql<Date>`now()`)
        .executeTakeFirst();
      if (!row) return undefined;
      let principal: Principal;
      if (row.token_id === 'admin-env') {
        if (!deps.adminEnvToken) return undefined;
        principal = envAdmin;
      } else {
        if (row.live_id === null || row.name === null || row.role === null) return undefined;
        principal = { kind: 'token', id: row.live_id, name: row.name, role: row.role as RoleName };
        if (row.integrations !== null) principal = { ...principal, integrations: row.integrations };
      }
      if (Date.now() - new Date(row.seen_at).getTime() > 60_000) {
        await db
          .updateTable('console_sessions')
          .set({
            seen_at: sql<Date>`now()`,
            expires_at: sql<Date>`least(created_at + make_interval(secs => ${sessionMaxSeconds}), now() + make_interval(secs => ${sessionIdleSeconds}))`,
          })
          .where('id_hash', '=', idHash)
          .execute();
      }
      return { principal, csrf: row.csrf, idHash };
    },

    /** Ends a session (sign-out). */
    async close(session: ConsoleSession): Promise<void> {
      await db.deleteFrom('console_sessions').where('id_hash', '=', session.idHash).execute();
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

/** Whether a form's CSRF token is the session's (constant time). */
export function csrfMatches(session: ConsoleSession, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
