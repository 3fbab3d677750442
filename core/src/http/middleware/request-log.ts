import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../../log/create-logger.js';
import type { AppEnv } from '../app-env.js';

/**
 * Logs one line when a request is answered, with its id. The child logger that carries the id
 * into a handler's own lines is made only when a handler asks for it (`requestLogger`), which
 * most requests never do.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  const logLine = requestLines(logger);
  return async (c, next) => {
    const started = performance.now();
    c.set('baseLogger', logger);
    await next();
    logLine(c.get('requestId'), c.req.method, c.req.path, c.res.status, started);
  };
}

/**
 * Writes the one line of an answered request (also for webhooks answered ahead of the app). The
 * line holds only these fields, the path with a webhook token redacted, so it skips the logger's
 * redaction paths, which cost twice as much as the rest of the line; lines of handlers go through
 * `requestLogger`, redacted as usual.
 */
export function requestLines(
  logger: Logger,
): (requestId: string, method: string, path: string, status: number, started: number) => void {
  const lines = logger.child({}, { redact: { paths: [] } });
  return (requestId, method, path, status, started) => {
    const line = {
      requestId,
      method,
      path: loggedPath(path),
      status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    };
    if (status >= 500) lines.error(line, 'request failed');
    else lines.info(line, 'request');
  };
}

/** The request's logger: Junction's, bound to the request id (and the caller, once known). */
export function requestLogger(c: Context<AppEnv>): Logger {
  let logger = c.get('logger');
  if (logger === undefined) {
    logger = c.get('baseLogger').child({ requestId: c.get('requestId') });
    c.set('logger', logger);
  }
  return logger;
}

/** The path as logged: a webhook URL's token is its secret, so only its route is shown. */
function loggedPath(path: string): string {
  return path.startsWith('/hooks/') ? '/hooks/[redacted]' : path;
}
