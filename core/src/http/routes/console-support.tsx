import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import { type Permission, roleHasPermission } from '../../auth/permissions.js';
import type { ConsoleSession } from '../../console/console-sessions.js';
import { Layout } from '../../console/layout.js';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { recordDenial } from '../middleware/require-role.js';

/** The console's request context: the API's, plus the signed-in session. */
export interface ConsoleEnv {
  Variables: AppEnv['Variables'] & { session: ConsoleSession };
}
export type ConsoleContext = Context<ConsoleEnv>;

export const sessionCookie = 'junction_console';
const flashCookie = 'junction_console_flash';

/** Cookie attributes: HttpOnly, SameSite=Strict, the console's path only, Secure over HTTPS. */
export function cookieOptions(c: Context, maxAge?: number) {
  const https =
    new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
  return {
    path: '/console',
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure: https,
    ...(maxAge === undefined ? {} : { maxAge }),
  };
}

export const readSessionCookie = (c: Context) => getCookie(c, sessionCookie);

/** A message for the next page (after a POST's redirect), kept in a one-minute cookie. */
export function flash(c: Context, kind: 'done' | 'problem', text: string): void {
  setCookie(
    c,
    flashCookie,
    JSON.stringify({ kind, text: text.slice(0, 500) }),
    cookieOptions(c, 60),
  );
}

/** Takes the flash message left by the previous request, if any. */
export function takeFlash(c: Context): { done?: string; problem?: string } {
  const raw = getCookie(c, flashCookie);
  if (raw === undefined) return {};
  deleteCookie(c, flashCookie, cookieOptions(c));
  try {
    const parsed = JSON.parse(raw) as { kind?: unknown; text?: unknown };
    if (typeof parsed.text !== 'string') return {};
    return parsed.kind === 'done' ? { done: parsed.text } : { problem: parsed.text };
  } catch {
    return {};
  }
}

/** Redirects (303) after a form, with a message for the next page. */
export function back(c: Context, to: string, kind: 'done' | 'problem', text: string): Response {
  flash(c, kind, text);
  return c.redirect(to, 303);
}

export const can = (c: ConsoleContext, permission: Permission): boolean =>
  roleHasPermission(c.get('session').principal.role, permission);

/** An HTML error page with `status`. */
export function errorPage(
  c: Context,
  status: 400 | 401 | 403 | 404 | 409 | 412 | 413 | 422 | 500 | 503,
  detail: string,
) {
  const session = c.get('session') as ConsoleSession | undefined;
  return c.html(
    <Layout
      title={status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Problem'}
      session={session}
    >
      <p class="problem" role="alert">
        {detail}
      </p>
      <p>
        <a href="/console">Back to the overview</a>
      </p>
    </Layout>,
    status,
  );
}

/**
 * Lets the request through only when the session's role grants `permission` (the same table as
 * the API's); otherwise a 403 page and an `access.denied` audit entry, as the API does.
 */
export function consolePermission(
  db: Kysely<Database>,
  permission: Permission,
): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (can(c, permission)) return next();
    const { principal } = c.get('session');
    await recordDenial(db, c as unknown as Context<AppEnv>, { permission, detail: 'console' });
    return errorPage(
      c,
      403,
      `This needs the permission ${permission}, which the role ${principal.role} lacks.`,
    );
  };
}

/** A form field as text ('' when absent or a file). */
export function field(form: Record<string, unknown>, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value : '';
}
