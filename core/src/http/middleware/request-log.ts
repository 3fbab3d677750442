import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log/create-logger.js';
import type { AppEnv } from '../app-env.js';

/** Gives each request a child logger with its id, and logs one line when it is answered. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const requestLogger = logger.child({ requestId: c.get('requestId') });
    c.set('logger', requestLogger);
    await next();
    const status = c.res.status;
    const line = {
      method: c.req.method,
      path: loggedPath(c.req.path),
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) requestLogger.error(line, 'request failed');
    else requestLogger.info(line, 'request');
  };
}

/** The path as logged: a webhook URL's token is its secret, so only its route is shown. */
function loggedPath(path: string): string {
  return path.startsWith('/hooks/') ? '/hooks/[redacted]' : path;
}
