import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf, type RoleName, roles } from '../../auth/principal.js';
import { createApiToken, revokeApiToken, tokenScopeProblems } from '../../auth/token-admin.js';
import { TokensPage } from '../../console/tokens-page.js';
import type { Database } from '../../db/schema.js';
import {
  back,
  type ConsoleContext,
  type ConsoleEnv,
  consolePermission,
  errorPage,
  field,
  takeFlash,
} from './console-support.js';

/** Console tokens (tokens:manage, admins): list, make (shown once), revoke. */
export function consoleTokenPages(db: Kysely<Database>) {
  return (console: Hono<ConsoleEnv>) => {
    const manage = consolePermission(db, 'tokens:manage');
    const by = (c: ConsoleContext) => ({
      actor: actorOf(c.get('session').principal),
      requestId: c.get('requestId'),
    });
    const list = async () =>
      (
        await db
          .selectFrom('api_tokens')
          .select([
            'id',
            'name',
            'role',
            'integrations',
            'created_at',
            'created_by',
            'last_used_at',
            'revoked_at',
          ])
          .orderBy('created_at', 'desc')
          .limit(500)
          .execute()
      ).map((r) => ({
        id: r.id,
        name: r.name,
        role: r.role,
        integrations: r.integrations,
        createdAt: new Date(r.created_at).toISOString(),
        createdBy: r.created_by,
        lastUsedAt: r.last_used_at ? new Date(r.last_used_at).toISOString() : null,
        revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
      }));

    console.get('/tokens', manage, async (c) =>
      c.html(<TokensPage session={c.get('session')} tokens={await list()} flash={takeFlash(c)} />),
    );

    console.post('/tokens', manage, async (c) => {
      const form = await c.req.parseBody({ all: true });
      const typed = {
        name: field(form, 'name').trim(),
        role: field(form, 'role'),
        integrations: field(form, 'integrations'),
      };
      const scope = typed.integrations
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const problems: Record<string, string> = {};
      if (typed.name === '' || typed.name.length > 200)
        problems.name = 'Give the token a name (up to 200 characters).';
      if (!(roles as readonly string[]).includes(typed.role))
        problems.role = `One of ${roles.join(', ')}.`;
      else
        for (const p of await tokenScopeProblems(db, {
          role: typed.role as RoleName,
          integrations: scope.length ? scope : undefined,
        }))
          problems.integrations = problems.integrations
            ? `${problems.integrations}; ${p.detail}`
            : p.detail;
      if (Object.keys(problems).length > 0)
        return c.html(
          <TokensPage
            session={c.get('session')}
            tokens={await list()}
            problems={problems}
            typed={typed}
            flash={{}}
          />,
          422,
        );
      const { token } = await createApiToken(
        db,
        {
          name: typed.name,
          role: typed.role as RoleName,
          integrations: scope.length ? scope : undefined,
        },
        by(c),
      );
      // Answered here, not through a redirect: the token must not travel in a cookie or a URL.
      return c.html(
        <TokensPage
          session={c.get('session')}
          tokens={await list()}
          made={{ name: typed.name, token }}
          flash={{}}
        />,
        201,
      );
    });

    console.post('/tokens/:id/revoke', manage, async (c) => {
      const row = await revokeApiToken(db, c.req.param('id'), by(c));
      if (!row) return errorPage(c, 404, `No token with id ${c.req.param('id')}.`);
      return back(c, '/console/tokens', 'done', `Revoked "${row.name}".`);
    });
  };
}
