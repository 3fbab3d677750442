import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Principal, RoleName } from './principal.js';

const TOKEN_PREFIX = 'jct_';

/** A new random bearer token. Only its hash is ever stored. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal | undefined>;
}

/**
 * Checks bearer tokens: the configured admin token (compared in constant time), then the
 * tokens stored in the database that are not revoked.
 */
export function createTokenVerifier(db: Kysely<Database>, adminToken?: string): TokenVerifier {
  const adminHash = adminToken ? hashToken(adminToken) : undefined;
  return {
    async verify(token) {
      const hash = hashToken(token);
      if (adminHash && timingSafeEqual(hash, adminHash)) {
        return { kind: 'token', id: 'admin-env', name: 'JUNCTION_ADMIN_TOKEN', role: 'admin' };
      }
      if (!token.startsWith(TOKEN_PREFIX)) return undefined;
      const row = await db
        .selectFrom('api_tokens')
        .select(['id', 'name', 'role', 'integrations'])
        .where('token_hash', '=', hash)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      const principal: Principal = {
        kind: 'token',
        id: row.id,
        name: row.name,
        role: row.role as RoleName,
      };
      return row.integrations === null
        ? principal
        : { ...principal, integrations: row.integrations };
    },
  };
}

/**
 * On a database with no admin token and none configured, creates one and returns it so that it
 * can be shown once. Several processes starting together create at most one.
 */
export async function ensureAdminToken(db: Kysely<Database>): Promise<string | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7231002)`.execute(trx);
    const existing = await trx
      .selectFrom('api_tokens')
      .select('id')
      .where('role', '=', 'admin')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (existing) return undefined;
    const token = generateToken();
    await trx
      .insertInto('api_tokens')
      .values({
        id: `tok_${randomUUID()}`,
        name: 'initial admin',
        role: 'admin',
        token_hash: hashToken(token),
        created_by: 'system',
      })
      .execute();
    return token;
  });
}
