import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import { SyncDefinitionSchema } from '../../sync/sync-definition.js';
import type { SyncStore } from '../../sync/sync-store.js';
import type { AppEnv } from '../app-env.js';
import { etagOf, requireIfMatch } from '../etag.js';
import { idempotency } from '../middleware/idempotency.js';
import { requirePermission } from '../middleware/require-role.js';
import { idempotencyKey, ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import {
  createdAfter,
  creationPosition,
  decodeCursor,
  PageQuerySchema,
  pageOf,
} from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import { SyncSchema, SyncSummarySchema, SyncVersionSchema } from './sync-schemas.js';

const json = jsonContent;
const tags = ['syncs'];
const idParam = IdParamSchema;
const write = { tags, security, middleware: requirePermission('config:write') };
const read = { tags, security, middleware: requirePermission('read') };

const routes = {
  create: createRoute({
    method: 'post',
    path: '/v1/syncs',
    ...write,
    summary:
      'Create a sync (both sides, mappings, policies checked against connectors and connections; created disabled)',
    request: {
      headers: idempotencyKey,
      body: { required: true, content: json(SyncDefinitionSchema) },
    },
    responses: {
      201: { description: 'Created as version 1.', content: json(SyncSchema) },
      ...problemResponses(400, 401, 403, 409, 413, 422),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/v1/syncs',
    ...read,
    summary: 'List syncs, oldest first',
    request: { query: PageQuerySchema },
    responses: {
      200: { description: 'A page.', content: json(pageSchema(SyncSummarySchema)) },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}',
    ...read,
    summary: 'Read a sync at its current version (with its ETag)',
    request: { params: idParam },
    responses: {
      200: { description: 'The sync.', content: json(SyncSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  update: createRoute({
    method: 'put',
    path: '/v1/syncs/{id}',
    ...write,
    summary: 'Save a new version of the definition (If-Match required)',
    request: {
      params: idParam,
      headers: ifMatch,
      body: { required: true, content: json(SyncDefinitionSchema) },
    },
    responses: {
      200: { description: 'The new current version.', content: json(SyncSchema) },
      ...problemResponses(400, 401, 403, 404, 412, 413, 422, 428),
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/v1/syncs/{id}',
    ...write,
    summary:
      'Delete a disabled sync with its links and conflicts (If-Match required); the records stay',
    request: { params: idParam, headers: ifMatch },
    responses: {
      204: { description: 'Deleted.' },
      ...problemResponses(401, 403, 404, 409, 412, 428),
    },
  }),
  enable: createRoute({
    method: 'post',
    path: '/v1/syncs/{id}/enable',
    ...write,
    summary: 'Enable: changes are detected on schedule, the first time now (If-Match required)',
    request: { params: idParam, headers: ifMatch },
    responses: {
      200: { description: 'Enabled.', content: json(SyncSchema) },
      ...problemResponses(401, 403, 404, 412, 428),
    },
  }),
  disable: createRoute({
    method: 'post',
    path: '/v1/syncs/{id}/disable',
    ...write,
    summary: 'Disable: no more changes are detected (If-Match required)',
    request: { params: idParam, headers: ifMatch },
    responses: {
      200: { description: 'Disabled.', content: json(SyncSchema) },
      ...problemResponses(401, 403, 404, 412, 428),
    },
  }),
  versions: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}/versions',
    ...read,
    summary: 'Every saved version, newest first',
    request: { params: idParam },
    responses: {
      200: {
        description: 'Versions.',
        content: json(z.object({ data: z.array(SyncVersionSchema) })),
      },
      ...problemResponses(401, 403, 404),
    },
  }),
  version: createRoute({
    method: 'get',
    path: '/v1/syncs/{id}/versions/{version}',
    ...read,
    summary: 'One saved version with its definition',
    request: { params: idParam.extend({ version: z.coerce.number().int().min(1) }) },
    responses: {
      200: { description: 'The version.', content: json(SyncVersionSchema) },
      ...problemResponses(401, 403, 404, 422),
    },
  }),
};

/** Syncs: versioned definitions of two-way sync, enable/disable, delete. */
export function registerSyncRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; store: SyncStore },
): void {
  const { store } = deps;
  const by = (c: Context<AppEnv>) => ({
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
  });
  const load = async (id: string) => {
    const row = await store.get(id);
    if (!row) throw new HttpProblem(problem(404, `No sync with id ${id}.`));
    return row;
  };
  const withEtag = <T extends { revision: number }>(c: Context<AppEnv>, view: T) => {
    c.header('ETag', etagOf(view.revision));
    return view;
  };
  const time = (at: Date) => new Date(at).toISOString();

  app.use('/v1/syncs', async (c, next) =>
    c.req.method === 'POST' ? idempotency(deps.db)(c, next) : next(),
  );

  app.openapi(routes.create, async (c) => {
    const view = withEtag(c, await store.create(c.req.valid('json'), by(c)));
    c.header('Location', `/v1/syncs/${view.id}`);
    return c.json(view, 201);
  });

  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await deps.db
      .selectFrom('syncs')
      .selectAll()
      .where(createdAfter(decodeCursor(cursor)))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    const page = pageOf(rows, limit, creationPosition);
    const data = page.data.map((r) => ({
      id: r.id,
      name: r.name,
      enabled: r.enabled,
      version: r.current_version,
      revision: r.revision,
      lastRun: r.last_run,
      createdAt: time(r.created_at),
      updatedAt: time(r.updated_at),
    }));
    return c.json({ data, nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.get, async (c) =>
    c.json(withEtag(c, await store.view(await load(c.req.valid('param').id))), 200),
  );

  app.openapi(routes.update, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    return c.json(withEtag(c, await store.update(row, c.req.valid('json'), by(c))), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    await store.remove(row, by(c));
    return c.body(null, 204);
  });

  for (const [route, enabled] of [
    [routes.enable, true],
    [routes.disable, false],
  ] as const) {
    app.openapi(route, async (c) => {
      const row = await load(c.req.valid('param').id);
      requireIfMatch(c, row.revision);
      return c.json(withEtag(c, await store.setEnabled(row, enabled, by(c))), 200);
    });
  }

  app.openapi(routes.versions, async (c) => {
    const row = await load(c.req.valid('param').id);
    const rows = await deps.db
      .selectFrom('sync_versions')
      .select(['version', 'created_at', 'created_by'])
      .where('sync_id', '=', row.id)
      .orderBy('version', 'desc')
      .execute();
    const data = rows.map((r) => ({
      version: r.version,
      createdAt: time(r.created_at),
      createdBy: r.created_by,
    }));
    return c.json({ data }, 200);
  });

  app.openapi(routes.version, async (c) => {
    const { id, version } = c.req.valid('param');
    const row = await deps.db
      .selectFrom('sync_versions')
      .selectAll()
      .where('sync_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new HttpProblem(problem(404, `Sync ${id} has no version ${version}.`));
    return c.json(
      {
        version: row.version,
        createdAt: time(row.created_at),
        createdBy: row.created_by,
        definition: row.definition as never,
      },
      200,
    );
  });
}
