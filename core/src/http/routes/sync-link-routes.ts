import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, PageQuerySchema, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';

const states = ['active', 'pending', 'conflict', 'flagged', 'archived'] as const;

const LinkSchema = z
  .object({
    id: z.string(),
    aKey: z.string().nullable(),
    bKey: z.string().nullable(),
    state: z.enum(states),
    note: z.string().nullable().openapi({
      description: 'Why a link is flagged or archived (deleted on a side, create outcome unknown).',
    }),
    aVersion: z.string().nullable(),
    bVersion: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('SyncLink', {
    example: {
      id: '42',
      aKey: '17',
      bKey: null,
      state: 'flagged',
      note: 'deleted on b',
      aVersion: '2026-12-06T10:00:00.000Z',
      bVersion: '2026-12-06T10:00:00.120Z',
      createdAt: '2026-12-06T09:00:00.000Z',
      updatedAt: '2026-12-06T10:05:00.000Z',
    },
  });

const route = createRoute({
  method: 'get',
  path: '/v1/syncs/{id}/links',
  tags: ['syncs'],
  security,
  middleware: [requirePermission('read')] as const,
  summary:
    "A sync's record links (which A record is which B record), by id; `state=flagged` lists those waiting for a person",
  request: {
    params: IdParamSchema,
    query: PageQuerySchema.extend({
      state: z
        .enum(states)
        .optional()
        .openapi({ param: { name: 'state', in: 'query' } }),
    }),
  },
  responses: {
    200: { description: 'A page.', content: jsonContent(pageSchema(LinkSchema)) },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});

/** `GET /v1/syncs/{id}/links`. */
export function registerSyncLinkRoutes(app: OpenAPIHono<AppEnv>, db: Kysely<Database>): void {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor, state } = c.req.valid('query');
    const sync = await db.selectFrom('syncs').select('id').where('id', '=', id).executeTakeFirst();
    if (!sync) throw new HttpProblem(problem(404, `No sync with id ${id}.`));
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
    const time = (at: Date) => new Date(at).toISOString();
    const links = rows.map((r) => ({
      id: String(r.id),
      aKey: r.a_key,
      bKey: r.b_key,
      state: r.state as (typeof states)[number],
      note: r.note,
      aVersion: r.a_version,
      bVersion: r.b_version,
      createdAt: time(r.created_at),
      updatedAt: time(r.updated_at),
    }));
    const page = seqPage(
      links,
      rows.map((r) => String(r.id)),
      limit,
    );
    return c.json(page, 200);
  });
}
