import type { OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { Kysely } from 'kysely';
import { recordAudit } from '../../audit/record-audit.js';
import { roleHasPermission } from '../../auth/permissions.js';
import { actorOf } from '../../auth/principal.js';
import { consoleCss, consoleJs } from '../../console/console-assets.js';
import { type ConsoleSessions, csrfMatches } from '../../console/console-sessions.js';
import { consoleSections } from '../../console/layout.js';
import { overviewFigures } from '../../console/overview-figures.js';
import { OverviewPage } from '../../console/overview-page.js';
import { SignInPage } from '../../console/sign-in-page.js';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { requestLogger } from '../middleware/request-log.js';
import { answerToError, HttpProblem } from '../problem.js';
import {
  type ConsoleEnv,
  cookieOptions,
  errorPage,
  readSessionCookie,
  sessionCookie,
} from './console-support.js';

/**
 * What console pages may load: the console's own stylesheet and script, nothing inline, forms
 * posted to this server only, never framed.
 */
export const consolePolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface ConsoleDependencies {
  readonly db: Kysely<Database>;
  readonly sessions: ConsoleSessions;
  /** The largest plugin upload (the API's limit), when plugins can be installed. */
  readonly uploadLimitBytes?: number | undefined;
  /** Each page's routes, registered on the console's app after sign-in is required. */
  readonly pages: readonly ((console: Hono<ConsoleEnv>) => void)[];
}

/** Only a path inside the console may be where sign-in returns to. */
const safeNext = (next: string | undefined): string =>
  next && /^\/console(\/[\w\-./?=&%]*)?$/.test(next) && !next.includes('//') ? next : '/console';

/** A POST from another site (its Origin is not ours) is refused, on top of SameSite=Strict. */
function sameOrigin(c: { req: { url: string; header(name: string): string | undefined } }) {
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return origin === undefined;
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * `/console`: server-rendered pages for operators and reviewers, signed in with an API token
 * kept in a server-side session (HttpOnly, SameSite=Strict cookie), every form carrying the
 * session's CSRF token, every page and action checked against the token's role.
 */
export function registerConsoleRoutes(app: OpenAPIHono<AppEnv>, deps: ConsoleDependencies): void {
  const { db, sessions } = deps;
  const console = new Hono<ConsoleEnv>();

  console.use(async (c, next) => {
    await next();
    c.res.headers.set('Content-Security-Policy', consolePolicy);
    c.res.headers.set('Referrer-Policy', 'same-origin');
    c.res.headers.set(
      'Cache-Control',
      c.req.path.startsWith('/console/assets/') ? 'public, max-age=3600' : 'no-store',
    );
  });

  console.onError((error, c) => {
    if (error instanceof HttpProblem) {
      const status = error.problem.status as 400 | 404 | 409;
      return errorPage(c, status, error.problem.detail ?? error.problem.title);
    }
    const answer = answerToError(error, requestLogger(c as never));
    return errorPage(
      c,
      answer.problem.status === 503 ? 503 : 500,
      answer.problem.detail ?? 'Something went wrong; the server log has the details.',
    );
  });

  console.get('/assets/console.css', (c) =>
    c.body(consoleCss, 200, { 'Content-Type': 'text/css; charset=utf-8' }),
  );
  console.get('/assets/console.js', (c) =>
    c.body(consoleJs, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }),
  );

  console.get('/sign-in', async (c) => {
    const found = await sessions.find(readSessionCookie(c));
    if (found) return c.redirect(safeNext(c.req.query('next')), 303);
    return c.html(<SignInPage next={safeNext(c.req.query('next'))} />);
  });

  console.post('/sign-in', async (c) => {
    if (!sameOrigin(c)) return errorPage(c, 403, 'A sign-in must come from this console.');
    const form = await c.req.parseBody();
    const token = typeof form.token === 'string' ? form.token.trim() : '';
    const next = safeNext(typeof form.next === 'string' ? form.next : undefined);
    const opened = token ? await sessions.open(token) : undefined;
    if (!opened) {
      return c.html(
        <SignInPage
          next={next}
          problem="That token is unknown or revoked. Check it and try again."
        />,
        401,
      );
    }
    await recordAudit(db, {
      actor: actorOf(opened.session.principal),
      action: 'console.sign-in',
      subjectType: 'console-session',
      subjectId: opened.session.principal.id,
      requestId: c.get('requestId'),
    });
    setCookie(c, sessionCookie, opened.id, cookieOptions(c, opened.maxAgeSeconds));
    const landing =
      next === '/console' && !roleHasPermission(opened.session.principal.role, 'read')
        ? '/console/reviews'
        : next;
    return c.redirect(landing, 303);
  });

  // The upload form's body is bounded by the upload limit (the global limit skips it).
  const uploadLimit = deps.uploadLimitBytes ?? 0;
  console.use(
    '/plugins/upload',
    bodyLimit({
      maxSize: uploadLimit,
      onError: (c) =>
        errorPage(c, 413, `The uploaded file is larger than the limit of ${uploadLimit} bytes.`),
    }),
  );

  // The sections whose page this process serves (known once every page is registered).
  let served: readonly string[] | undefined;
  const servedSections = () =>
    (served ??= consoleSections
      .map((s) => s.href)
      .filter((href) =>
        console.routes.some(
          (r) => r.method === 'GET' && `/console${r.path === '/' ? '' : r.path}` === href,
        ),
      ));

  // Everything below needs a session; a POST also needs this site's Origin and the CSRF token.
  console.use(async (c, next) => {
    const session = await sessions.find(readSessionCookie(c));
    if (!session) {
      if (c.req.method === 'GET' && c.req.header('x-console-fragment') === undefined) {
        const url = new URL(c.req.url);
        return c.redirect(
          `/console/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`,
          303,
        );
      }
      return c.html(
        <SignInPage next="/console" problem="Your session has ended; sign in again." />,
        401,
      );
    }
    c.set('session', { ...session, served: servedSections() });
    c.set('principal', session.principal);
    if (c.req.method === 'POST') {
      const form = await c.req.parseBody({ all: true });
      if (!sameOrigin(c) || !csrfMatches(session, form._csrf))
        return errorPage(
          c,
          403,
          'This form is out of date or came from elsewhere; reload the page and try again.',
        );
    }
    return next();
  });

  console.post('/sign-out', async (c) => {
    const session = c.get('session');
    await sessions.close(session);
    await recordAudit(db, {
      actor: actorOf(session.principal),
      action: 'console.sign-out',
      subjectType: 'console-session',
      subjectId: session.principal.id,
      requestId: c.get('requestId'),
    });
    deleteCookie(c, sessionCookie, cookieOptions(c));
    return c.redirect('/console/sign-in', 303);
  });

  console.get('/', async (c) => {
    if (!roleHasPermission(c.get('session').principal.role, 'read'))
      return c.redirect('/console/reviews', 303);
    return c.html(<OverviewPage session={c.get('session')} figures={await overviewFigures(db)} />);
  });

  for (const register of deps.pages) register(console);
  app.route('/console', console);
}
