import type { MiddlewareHandler } from 'hono';
import type { TokenVerifier } from '../../auth/tokens.js';
import type { AppEnv } from '../app-env.js';
import { HttpProblem, problem } from '../problem.js';
import { requestLogger } from './request-log.js';

const challenge = { 'WWW-Authenticate': 'Bearer realm="junction"' };

/** Requires `Authorization: Bearer <token>`; sets the request's principal. */
export function authenticate(verifier: TokenVerifier): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) {
      throw new HttpProblem(
        problem(401, 'Send an Authorization: Bearer <token> header.'),
        challenge,
      );
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new HttpProblem(
        problem(401, 'The Authorization header must be "Bearer <token>".'),
        challenge,
      );
    }
    const principal = await verifier.verify(match[1]);
    if (!principal) {
      throw new HttpProblem(problem(401, 'The bearer token is unknown or revoked.'), {
        'WWW-Authenticate': 'Bearer realm="junction", error="invalid_token"',
      });
    }
    c.set('principal', principal);
    c.set('logger', requestLogger(c).child({ principal: principal.id }));
    await next();
  };
}
