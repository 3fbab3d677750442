import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import type { ApiToken, Database } from '../db/schema.js';
import type { RoleName } from './principal.js';
import { generateToken, hashToken } from './tokens.js';

/** Who creates or revokes a token, for the audit trail. */
export interface TokenAdmin {
  readonly actor: string;
  readonly requestId?: string | undefined;
}

export interface NewTokenRequest {
  readonly name: string;
  readonly role: RoleName;
  /** For a reviewer token: the integrations it is limited to. */
  readonly integrations?: readonly string[] | undefined;
}

/** What is wrong with a token's integration scope (pointers into the request), if anything. */
export async function tokenScopeProblems(
  db: Kysely<Database>,
  request: Pick<NewTokenRequest, 'role' | 'integrations'>,
): Promise<{ pointer: string; detail: string }[]> {
  const scope = request.integrations;
  if (scope === undefined) return [];
  const problems: { pointer: string; detail: string }[] = [];
  if (request.role !== 'reviewer')
    problems.push({
      pointer: '/integrations',
      detail: 'only reviewer tokens can be limited to integrations',
    });
  const found = new Set(
    scope.length === 0
      ? []
      : (
          await db
            .selectFrom('integrations')
            .select('id')
            .where('id', 'in', [...scope])
            .execute()
        ).map((r) => r.id),
  );
  scope.forEach((id, i) => {
    if (!found.has(id))
      problems.push({ pointer: `/integrations/${i}`, detail: `no integration "${id}"` });
  });
  return problems;
}

/** Creates a token (only its hash is stored) with its audit entry; the token is returned once. */
export async function createApiToken(
  db: Kysely<Database>,
  request: NewTokenRequest,
  by: TokenAdmin,
): Promise<{ row: ApiToken; token: string }> {
  const token = generateToken();
  const row = await db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('api_tokens')
      .values({
        id: `tok_${randomUUID()}`,
        name: request.name,
        role: request.role,
        integrations: request.integrations ? [...request.integrations] : null,
        token_hash: hashToken(token),
        created_by: by.actor,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: 'token.create',
      subjectType: 'token',
      subjectId: created.id,
      ...(by.requestId ? { requestId: by.requestId } : {}),
      data: {
        after: { name: created.name, role: created.role, integrations: created.integrations },
      },
    });
    return created;
  });
  return { row, token };
}

/**
 * Revokes a token with its audit entry; revoking a revoked token changes and records nothing.
 * Undefined when there is no such token.
 */
export async function revokeApiToken(
  db: Kysely<Database>,
  id: string,
  by: TokenAdmin,
): Promise<ApiToken | undefined> {
  return db.transaction().execute(async (trx) => {
    const current = await trx
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!current || current.revoked_at) return current;
    const revoked = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor: by.actor,
      action: 'token.revoke',
      subjectType: 'token',
      subjectId: id,
      ...(by.requestId ? { requestId: by.requestId } : {}),
      data: {
        before: { name: current.name, role: current.role, revokedAt: null },
        after: { revokedAt: new Date(revoked.revoked_at as Date).toISOString() },
      },
    });
    return revoked;
  });
}
