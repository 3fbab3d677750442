import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log/create-logger.js';
import type { RecordClient } from '../../sync/record-client.js';
import { type LinkSettlement, settleLink } from '../../sync/settle-link.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, PageQuerySchema, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import { LinkSchema, linkStates, linkView, RelinkSchema } from './sync-link-schemas.js';

const tags = ['syncs'];
const read = { tags, security, middleware: requirePermission('read') };
const write = { tags, security, middleware: requirePermission('config:write') };
const params = IdParamSchema.extend({ link: z.string().min(1).max(200) });
const linkPath = '/v1/syncs/{id}/links/{link}';
const settled = {
  200: { description: 'The link, active again.', content: jsonContent(LinkSchema) },
  ...problemResponses(401, 403, 404, 409, 422),
};

const routes = {
  list: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}/links',
    ...read,
    summary:
      "A sync's record links (which A record is which B record), by id; `state=flagged` lists those waiting for a person",
    request: {
      params: IdParamSchema,
      query: PageQuerySchema.extend({
        state: z
          .enum(linkStates)
          .optional()
          .openapi({ param: { name: 'state', in: 'query' } }),
      }),
    },
    responses: {
      200: { description: 'A page.', content: jsonContent(pageSchema(LinkSchema)) },
      ...problemResponses(400, 401, 403, 404, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: linkPath,
    ...read,
    summary: 'One record link',
    request: { params },
    responses: {
      200: { description: 'The link.', content: jsonContent(LinkSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  relink: createRoute({
    method: 'post',
    path: `${linkPath}/relink`,
    ...write,
    summary:
      'Settle a flagged or archived link by linking it to a given record of a side (read first; refused when missing or linked already); audited',
    request: { params, body: { required: true, content: jsonContent(RelinkSchema) } },
    responses: settled,
  }),
  clear: createRoute({
    method: 'post',
    path: `${linkPath}/clear`,
    ...write,
    summary:
      "Clear a flagged or archived link's flag when both its records exist: it syncs again from what they hold now; audited",
    request: { params },
    responses: settled,
  }),
  unlink: createRoute({
    method: 'delete',
    path: linkPath,
    ...write,
    summary:
      'Unlink a flagged or archived link: it is removed, and the next backfill or change of either record treats it as new; audited',
    request: { params },
    responses: {
      204: { description: 'Unlinked.' },
      ...problemResponses(401, 403, 404, 409),
    },
  }),
};

/**
 * `/v1/syncs/{id}/links`: read a sync's record links; with `records`, settle those that wait for
 * a person (relink, clear, unlink).
 */
export function registerSyncLinkRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; records?: RecordClient | undefined; logger: Logger },
): void {
  const { db } = deps;
  const noSync = (id: string) => new HttpProblem(problem(404, `No sync with id ${id}.`));

  app.openapi(routes.list, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor, state } = c.req.valid('query');
    const sync = await db.selectFrom('syncs').select('id').where('id', '=', id).executeTakeFirst();
    if (!sync) throw noSync(id);
    const after = cursorSeq(cursor);
    let query = db
      .selectFrom('sync_links')
      .selectAll()
      .where('sync_id', '=', id)
      .orderBy('id')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('id', '>', after);
    if (state !== undefined) query = query.where('state', '=', state);
    const rows = await query.execute();
    const page = seqPage(
      rows.map(linkView),
      rows.map((r) => String(r.id)),
      limit,
    );
    return c.json(page, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id, link } = c.req.valid('param');
    const row = /^\d{1,18}$/.test(link)
      ? await db
          .selectFrom('sync_links')
          .selectAll()
          .where('sync_id', '=', id)
          .where('id', '=', link)
          .executeTakeFirst()
      : undefined;
    if (!row) throw new HttpProblem(problem(404, `Sync ${id} has no link ${link}.`));
    return c.json(linkView(row), 200);
  });

  const { records } = deps;
  if (!records) return;
  const settle = (c: Context<AppEnv>, settlement: LinkSettlement) => {
    const { id, link } = c.req.param() as { id: string; link: string };
    return settleLink({ db, records, logger: deps.logger }, id, link, settlement, {
      actor: actorOf(c.get('principal')),
      requestId: c.get('requestId'),
    });
  };
  const answer = async (c: Context<AppEnv>, settlement: LinkSettlement) =>
    linkView((await settle(c, settlement)) as never);

  app.openapi(routes.relink, async (c) =>
    c.json(await answer(c, { kind: 'relink', ...c.req.valid('json') }), 200),
  );
  app.openapi(routes.clear, async (c) => c.json(await answer(c, { kind: 'clear' }), 200));
  app.openapi(routes.unlink, async (c) => {
    await settle(c, { kind: 'unlink' });
    return c.body(null, 204);
  });
}
