import type { MiddlewareHandler } from 'hono';

/**
 * What the API reference page (`/docs`) may load: its own scripts and styles (Swagger UI sets
 * inline style attributes), images from itself or data URLs, and requests to this server only.
 */
const pagePolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Everything else is data: it may load nothing and be framed by nobody. */
const dataPolicy = "default-src 'none'; frame-ancestors 'none'";

/**
 * Security headers on every answer of the app: a Content-Security-Policy (strict for data, one
 * that lets `/docs` run its own scripts for HTML), no framing, no MIME sniffing, no referrer.
 * Hono's `secureHeaders` sets one policy for all answers; the page needs its own, so this small
 * middleware picks the policy by the answer's content type.
 *
 * @example
 * ```ts
 * app.use(securityHeaders());
 * ```
 */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const html = c.res.headers.get('content-type')?.startsWith('text/html') === true;
    // A page that set its own policy (the console's) keeps it.
    if (!(html && c.res.headers.has('Content-Security-Policy')))
      c.res.headers.set('Content-Security-Policy', html ? pagePolicy : dataPolicy);
    c.res.headers.set('X-Frame-Options', 'DENY');
    c.res.headers.set('X-Content-Type-Options', 'nosniff');
    // The console sets same-origin, so that its form posts carry their Origin (checked).
    if (!c.res.headers.has('Referrer-Policy')) c.res.headers.set('Referrer-Policy', 'no-referrer');
  };
}
