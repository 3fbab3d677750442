import type { MiddlewareHandler } from 'hono';
import type { RoleName } from '../../auth/principal.js';
import type { AppEnv } from '../app-env.js';
import { HttpProblem, problem } from '../problem.js';

/** Allows the request only when the principal holds one of `allowed`. */
export function requireRole(...allowed: RoleName[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (!allowed.includes(principal.role)) {
      throw new HttpProblem(
        problem(403, `This operation needs one of the roles: ${allowed.join(', ')}.`, {
          role: principal.role,
        }),
      );
    }
    await next();
  };
}
