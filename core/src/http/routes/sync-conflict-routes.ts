import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { Logger } from '../../log/create-logger.js';
import type { SyncCounters } from '../../metrics/sync-counters.js';
import type { RecordClient } from '../../sync/record-client.js';
import { conflictView, resolveParkedConflict } from '../../sync/sync-conflicts.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, PageQuerySchema, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';

const record = z.record(z.string(), z.unknown());

const ConflictSchema = z
  .object({
    id: z.string(),
    syncId: z.string(),
    state: z.enum(['open', 'resolved']),
    aKey: z.string().nullable(),
    bKey: z.string().nullable(),
    base: z.object({ a: z.unknown(), b: z.unknown() }).openapi({
      description:
        "What each side meant for the other at the last agreement (its mapping's output), the base of the three-way comparison.",
    }),
    a: record.nullable().openapi({ description: "Side A's record when the conflict was found." }),
    b: record.nullable().openapi({ description: "Side B's record when the conflict was found." }),
    resolution: record.nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    resolvedAt: z.string().nullable().openapi({ format: 'date-time' }),
    resolvedBy: z.string().nullable(),
  })
  .openapi('SyncConflict', {
    example: {
      id: 'scf_6c1d7f0e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
      syncId: 'syn_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d',
      state: 'open',
      aKey: '42',
      bKey: '7',
      base: { a: { values: { name: 'Ada' } }, b: { values: { full_name: 'Ada' } } },
      a: { key: '42', values: { id: 42, full_name: 'Ada Lovelace' } },
      b: { key: '7', values: { id: 7, name: 'Ada King' } },
      resolution: null,
      createdAt: '2026-12-06T10:00:00.000Z',
      resolvedAt: null,
      resolvedBy: null,
    },
  });

const ResolveSchema = z
  .union([
    z.object({ take: z.enum(['a', 'b']) }).strict(),
    z.object({ side: z.enum(['a', 'b']), record }).strict(),
  ])
  .openapi('SyncConflictResolution', {
    description:
      "`take`: that side's current record is written to the other side. `side` + `record`: a merged record in that side's shape (its record type's fields) is written to it, then mapped to the other side.",
    example: { take: 'a' },
  });

const tags = ['syncs'];
const params = IdParamSchema.extend({ conflict: z.string().min(1).max(200) });
const StateQuery = PageQuerySchema.extend({
  state: z
    .enum(['open', 'resolved'])
    .optional()
    .openapi({ param: { name: 'state', in: 'query' } }),
});

const routes = {
  list: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}/conflicts',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'Conflicts the sync parked (both sides changed), oldest first',
    request: { params: IdParamSchema, query: StateQuery },
    responses: {
      200: { description: 'A page.', content: jsonContent(pageSchema(ConflictSchema)) },
      ...problemResponses(400, 401, 403, 404, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}/conflicts/{conflict}',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'One conflict: both records and the base',
    request: { params },
    responses: {
      200: { description: 'The conflict.', content: jsonContent(ConflictSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  resolve: createRoute({
    method: 'post',
    path: '/v1/syncs/{id}/conflicts/{conflict}/resolve',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary:
      'Resolve a conflict by choosing a side or giving a merged record; both sides are written (audited)',
    request: { params, body: { required: true, content: jsonContent(ResolveSchema) } },
    responses: {
      200: { description: 'The resolved conflict.', content: jsonContent(ConflictSchema) },
      ...problemResponses(400, 401, 403, 404, 409, 422),
    },
  }),
};

/** `/v1/syncs/{id}/conflicts`: parked conflicts, and their resolution. */
export function registerSyncConflictRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: {
    db: Kysely<Database>;
    records: RecordClient;
    logger: Logger;
    counters?: SyncCounters;
  },
): void {
  const load = async (id: string, conflict: string) => {
    const row = await deps.db
      .selectFrom('sync_conflicts')
      .selectAll()
      .where('sync_id', '=', id)
      .where('id', '=', conflict)
      .executeTakeFirst();
    if (!row) throw new HttpProblem(problem(404, `Sync ${id} has no conflict ${conflict}.`));
    return row;
  };

  app.openapi(routes.list, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor, state } = c.req.valid('query');
    const sync = await deps.db
      .selectFrom('syncs')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!sync) throw new HttpProblem(problem(404, `No sync with id ${id}.`));
    const after = cursorSeq(cursor);
    let query = deps.db
      .selectFrom('sync_conflicts')
      .selectAll()
      .where('sync_id', '=', id)
      .orderBy('seq')
      .limit(limit + 1);
    if (after !== undefined) query = query.where('seq', '>', after);
    if (state !== undefined) query = query.where('state', '=', state);
    const rows = await query.execute();
    const page = seqPage(
      rows.map(conflictView),
      rows.map((r) => String(r.seq)),
      limit,
    );
    return c.json(structuredClone(page) as never, 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id, conflict } = c.req.valid('param');
    return c.json(conflictView(await load(id, conflict)) as never, 200);
  });

  app.openapi(routes.resolve, async (c) => {
    const { id, conflict } = c.req.valid('param');
    const row = await load(id, conflict);
    await resolveParkedConflict(deps, row, c.req.valid('json'), {
      actor: actorOf(c.get('principal')),
      requestId: c.get('requestId'),
    });
    return c.json(conflictView(await load(id, conflict)) as never, 200);
  });
}
