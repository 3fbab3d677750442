import type { Context, MiddlewareHandler } from 'hono';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/record-audit.js';
import { type Permission, roleHasPermission, rolesWithPermission } from '../../auth/permissions.js';
import { actorOf, type RoleName } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { HttpProblem, problem } from '../problem.js';
import { requestLogger } from './request-log.js';

/**
 * Allows the request only when the principal's role grants `permission` (see
 * core/src/auth/permissions.ts); otherwise 403 problem+json, which `recordDenials` records.
 *
 * @example app.openapi(createRoute({ ..., middleware: [requirePermission('config:write')] as const }), handler)
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return declare({ kind: 'permission', permission }, async (c, next) => {
    const { role } = c.get('principal');
    if (!roleHasPermission(role, permission)) {
      const allowed = rolesWithPermission(permission);
      throw new HttpProblem(
        problem(
          403,
          `This operation needs the permission ${permission}, which the role ${role} lacks (roles with it: ${allowed.join(', ')}).`,
          { role, permission },
        ),
      );
    }
    await next();
  });
}

/** Allows the request only when the principal holds one of `allowed`; prefer `requirePermission`. */
export function requireRole(...allowed: RoleName[]): MiddlewareHandler<AppEnv> {
  return declare({ kind: 'roles', roles: allowed }, async (c, next) => {
    const principal = c.get('principal');
    if (!allowed.includes(principal.role)) {
      throw new HttpProblem(
        problem(403, `This operation needs one of the roles: ${allowed.join(', ')}.`, {
          role: principal.role,
        }),
      );
    }
    await next();
  });
}

/** What a route's access middleware asks for, read back by `accessRuleOf` (tests, docs). */
export type AccessRule =
  | { readonly kind: 'permission'; readonly permission: Permission }
  | { readonly kind: 'roles'; readonly roles: readonly RoleName[] };

const accessRules = new WeakMap<object, AccessRule>();

function declare(rule: AccessRule, handler: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  accessRules.set(handler, rule);
  return handler;
}

/** The access rule of a handler made by `requirePermission` or `requireRole`, if it is one. */
export function accessRuleOf(handler: unknown): AccessRule | undefined {
  return typeof handler === 'function' ? accessRules.get(handler) : undefined;
}

/** Whether `role` passes `rule`. */
export function ruleAllows(rule: AccessRule, role: RoleName): boolean {
  return rule.kind === 'permission'
    ? roleHasPermission(role, rule.permission)
    : rule.roles.includes(role);
}

/**
 * After authentication: every request answered 403 leaves an `access.denied` audit entry, with
 * the principal as actor and `<METHOD> <path>` as subject.
 */
export function recordDenials(db: Kysely<Database>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const error = c.error;
    if (!(error instanceof HttpProblem) || error.problem.status !== 403) return;
    const principal = c.get('principal');
    if (!principal) return;
    await recordDenial(db, c, {
      permission: error.problem.permission ?? null,
      detail: error.problem.detail ?? null,
    });
  };
}

/**
 * Leaves the `access.denied` audit entry of a refused request (the API's and the console's), with
 * the principal as actor and `<METHOD> <path>` as subject; a failure to record it is logged.
 */
export async function recordDenial(
  db: Kysely<Database>,
  c: Context<AppEnv>,
  data: { readonly permission: unknown; readonly detail: unknown },
): Promise<void> {
  const principal = c.get('principal');
  try {
    await recordAudit(db, {
      actor: actorOf(principal),
      action: 'access.denied',
      subjectType: 'route',
      subjectId: `${c.req.method} ${c.req.path}`,
      requestId: c.get('requestId'),
      data: { role: principal.role, ...data },
    });
  } catch (failure) {
    requestLogger(c).error(
      { err: failure },
      'could not record a denied request in the audit trail',
    );
  }
}
