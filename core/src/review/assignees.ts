import type { Kysely } from 'kysely';
import { roleHasPermission, rolesWithPermission } from '../auth/permissions.js';
import type { RoleName } from '../auth/principal.js';
import type { Database } from '../db/schema.js';

/** Why a token cannot be given an item of `integrationId`, or undefined when it can. */
export async function assigneeProblem(
  db: Kysely<Database>,
  tokenId: string,
  integrationId: string,
): Promise<string | undefined> {
  if (tokenId === 'admin-env') return undefined;
  const token = await db
    .selectFrom('api_tokens')
    .select(['role', 'integrations', 'revoked_at'])
    .where('id', '=', tokenId)
    .executeTakeFirst();
  if (!token || token.revoked_at) return `no active token "${tokenId}"`;
  if (!roleHasPermission(token.role as RoleName, 'reviews:decide'))
    return `the token's role ${token.role} cannot decide reviews`;
  if (token.integrations && !token.integrations.includes(integrationId))
    return `the token is not allowed on integration ${integrationId}`;
  return undefined;
}

/** The active tokens an item of `integrationId` can be given to (by name, at most 200). */
export async function possibleAssignees(
  db: Kysely<Database>,
  integrationId: string,
): Promise<{ id: string; name: string; role: string }[]> {
  const rows = await db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'role', 'integrations'])
    .where('revoked_at', 'is', null)
    .where('role', 'in', rolesWithPermission('reviews:decide'))
    .orderBy('name')
    .limit(200)
    .execute();
  return rows
    .filter((r) => !r.integrations || r.integrations.includes(integrationId))
    .map((r) => ({ id: r.id, name: r.name, role: r.role }));
}
