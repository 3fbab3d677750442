import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { SyncDefinitionSchema } from '../../sync/sync-definition.js';
import type { SyncStore } from '../../sync/sync-store.js';
import type { AppEnv } from '../app-env.js';
import { requireIfMatch } from '../etag.js';
import { requirePermission } from '../middleware/require-role.js';
import { ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { SyncSchema, SyncSummarySchema, SyncVersionSchema } from './sync-schemas.js';
import { versionedRoutes } from './versioned-routes.js';

const json = jsonContent;
const tags = ['syncs'];
const idParam = IdParamSchema;
const write = { tags, security, middleware: requirePermission('config:write') };

const syncs = versionedRoutes({
  kind: 'sync',
  path: '/v1/syncs',
  one: 'a sync',
  tags,
  schemas: {
    definition: SyncDefinitionSchema,
    view: SyncSchema,
    summary: SyncSummarySchema,
    version: SyncVersionSchema,
  },
  summaries: {
    create:
      'Create a sync (both sides, mappings, policies checked against connectors and connections; created disabled)',
    update: 'Save a new version of the definition (If-Match required)',
  },
});

const routes = {
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
};

/** Syncs: versioned definitions of two-way sync, enable/disable, delete. */
export function registerSyncRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; store: SyncStore },
): void {
  const { store } = deps;
  const { by, load, withEtag, register } = syncs.bind(app, deps);

  register('create', 'list', 'get', 'update');

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

  register('versions', 'version');
}
