import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { SyncBulk } from '../../sync/sync-bulk.js';
import { SyncDefinitionSchema } from '../../sync/sync-definition.js';
import type { SyncStore } from '../../sync/sync-store.js';
import type { AppEnv } from '../app-env.js';
import { requireIfMatch } from '../etag.js';
import { emptyJsonBody } from '../middleware/empty-json-body.js';
import { requirePermission } from '../middleware/require-role.js';
import { ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { enableSync } from './sync-enable.js';
import {
  SyncEnabledSchema,
  SyncEnableSchema,
  SyncSchema,
  SyncSummarySchema,
  SyncVersionSchema,
} from './sync-schemas.js';
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
    middleware: [requirePermission('config:write'), emptyJsonBody] as const,
    summary:
      'Enable: a backfill starts when none succeeded before (`{"backfill": false}` opts out), then changes are detected on schedule (If-Match required)',
    request: {
      params: idParam,
      headers: ifMatch,
      body: { required: false, content: json(SyncEnableSchema) },
    },
    responses: {
      200: { description: 'Enabled.', content: json(SyncEnabledSchema) },
      ...problemResponses(401, 403, 404, 409, 412, 422, 428),
    },
  }),
  disable: syncs.toggleRoute(false, 'Disable: no more changes are detected (If-Match required)'),
};

/** Syncs: versioned definitions of two-way sync, enable/disable, delete. */
export function registerSyncRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; store: SyncStore; bulk?: SyncBulk | undefined },
): void {
  const { store } = deps;
  const { by, load, withEtag, register, toggle } = syncs.bind(app, deps);

  register('create', 'list', 'get', 'update');

  app.openapi(routes.remove, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    await store.remove(row, by(c));
    return c.body(null, 204);
  });

  app.openapi(routes.enable, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    const { backfill, enabled } = await enableSync(
      { store, bulk: deps.bulk },
      row,
      c.req.valid('json').backfill !== false,
      by(c),
    );
    return c.json({ ...withEtag(c, enabled), backfill }, 200);
  });

  toggle(routes.disable, false);

  register('versions', 'version');
}
