import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { ConnectionStore } from '../../connections/connection-store.js';
import { testConnection } from '../../connections/test-connection.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import type { Database } from '../../db/schema.js';
import type { PluginExecutor } from '../../executor/plugin-executor.js';
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

const JsonObject = z.record(z.string(), z.unknown());

const ConnectionSchema = z
  .object({
    id: z.string().openapi({ example: 'con_6c1d1f0e-9a53-4f0c-8f57-1d0a2b3c4d5e' }),
    name: z.string().openapi({ example: 'Acme CRM production' }),
    connector: z.string().openapi({ example: 'http' }),
    settings: JsonObject.openapi({ example: { baseUrl: 'https://crm.example.com/api' } }),
    credentials: JsonObject.openapi({
      description: 'Non-secret credential fields.',
      example: { username: 'sync' },
    }),
    secrets: z.record(z.string(), z.enum(['set', 'unset'])).openapi({
      description: 'Secret credential fields: never returned, only whether each is set.',
      example: { password: 'set' },
    }),
    revision: z.number().int(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Connection');

const CreateConnectionSchema = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'Acme CRM production' }),
    connector: z.string().min(1).max(100).openapi({ example: 'http' }),
    credentials: JsonObject.optional().openapi({
      example: { username: 'sync', password: 's3cret' },
    }),
    settings: JsonObject.optional().openapi({
      example: { baseUrl: 'https://crm.example.com/api' },
    }),
  })
  .strict()
  .openapi('CreateConnection');

const UpdateConnectionSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    credentials: z.record(z.string(), z.unknown()).optional().openapi({
      description: 'Fields to set; a null value unsets one. Fields not given keep their value.',
    }),
    settings: JsonObject.optional().openapi({ description: 'Replaces the settings when given.' }),
  })
  .strict()
  .openapi('UpdateConnection');

const TestResultSchema = z
  .object({
    ok: z.boolean(),
    tested: z.boolean().openapi({ description: 'false when there was nothing to check.' }),
    reason: z.string().optional().openapi({ description: 'Why the test failed.' }),
    detail: z
      .string()
      .optional()
      .openapi({ description: 'What was checked, or why nothing could be.' }),
  })
  .openapi('ConnectionTestResult', {
    example: { ok: false, tested: true, reason: 'The API key was refused (401).' },
    examples: [
      { ok: false, tested: true, reason: 'The API key was refused (401).' },
      {
        ok: true,
        tested: false,
        detail:
          'This connection has no baseUrl: it only receives webhooks, whose signatures are checked against its webhookSecret as they arrive, so there is nothing to call now.',
      },
    ],
  });

const idParam = IdParamSchema;
const json = jsonContent;
const tags = ['connections'];

const routes = {
  create: createRoute({
    method: 'post',
    path: '/v1/connections',
    tags,
    security,
    summary: 'Create a connection (credentials are encrypted at rest)',
    middleware: [requirePermission('config:write')] as const,
    request: {
      headers: idempotencyKey,
      body: { required: true, content: json(CreateConnectionSchema) },
    },
    responses: {
      201: { description: 'Created.', content: json(ConnectionSchema) },
      ...problemResponses(400, 401, 403, 409, 413, 422),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/v1/connections',
    tags,
    security,
    summary: 'List connections, oldest first',
    middleware: [requirePermission('read')] as const,
    request: { query: PageQuerySchema },
    responses: {
      200: {
        description: 'A page.',
        content: json(pageSchema(ConnectionSchema)),
      },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/connections/{id}',
    tags,
    security,
    summary: 'Read a connection (with its ETag)',
    middleware: [requirePermission('read')] as const,
    request: { params: idParam },
    responses: {
      200: { description: 'The connection.', content: json(ConnectionSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  update: createRoute({
    method: 'patch',
    path: '/v1/connections/{id}',
    tags,
    security,
    summary: 'Change a connection (If-Match required)',
    description:
      "Changing where the connection sends its credentials (its settings' baseUrl origin, a database host or port, any field its connector declares a destination) needs every secret it keeps given again in `credentials` of the same request; otherwise 422 with a pointer to each destination changed, and nothing changes.",
    middleware: [requirePermission('config:write')] as const,
    request: {
      params: idParam,
      headers: ifMatch,
      body: { required: true, content: json(UpdateConnectionSchema) },
    },
    responses: {
      200: { description: 'Changed.', content: json(ConnectionSchema) },
      ...problemResponses(400, 401, 403, 404, 412, 413, 422, 428),
    },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/v1/connections/{id}',
    tags,
    security,
    summary: 'Delete a connection no integration uses (If-Match required)',
    middleware: [requirePermission('config:write')] as const,
    request: { params: idParam, headers: ifMatch },
    responses: {
      204: { description: 'Deleted.' },
      ...problemResponses(401, 403, 404, 409, 412, 428),
    },
  }),
  test: createRoute({
    method: 'post',
    path: '/v1/connections/{id}/test',
    tags,
    security,
    summary: "Check a connection's credentials with its connector's test",
    middleware: [requirePermission('connections:test')] as const,
    request: { params: idParam },
    responses: {
      200: {
        description: 'The outcome (a failed check is still 200).',
        content: json(TestResultSchema),
      },
      ...problemResponses(401, 403, 404),
    },
  }),
};

/** CRUD and test for connections; secrets go in, never out. */
export function registerConnectionRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: {
    db: Kysely<Database>;
    store: ConnectionStore;
    connectors: ConnectorSource;
    executor: PluginExecutor;
  },
): void {
  const { store } = deps;
  const by = (c: Context<AppEnv>) => ({
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
  });
  const load = async (id: string) => {
    const row = await store.get(id);
    if (!row) throw new HttpProblem(problem(404, `No connection with id ${id}.`));
    return row;
  };

  app.use('/v1/connections', async (c, next) =>
    c.req.method === 'POST' ? idempotency(deps.db)(c, next) : next(),
  );

  app.openapi(routes.create, async (c) => {
    const view = await store.create(c.req.valid('json'), by(c));
    c.header('ETag', etagOf(view.revision));
    c.header('Location', `/v1/connections/${view.id}`);
    return c.json(view, 201);
  });

  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const query = deps.db
      .selectFrom('connections')
      .selectAll()
      .where(createdAfter(after))
      .orderBy('created_at')
      .orderBy('id');
    const page = pageOf(await query.limit(limit + 1).execute(), limit, creationPosition);
    return c.json({ data: page.data.map(store.view), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(routes.get, async (c) => {
    const view = store.view(await load(c.req.valid('param').id));
    c.header('ETag', etagOf(view.revision));
    return c.json(view, 200);
  });

  app.openapi(routes.update, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    const view = await store.update(row, c.req.valid('json'), by(c));
    c.header('ETag', etagOf(view.revision));
    return c.json(view, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    await store.remove(row, by(c));
    return c.body(null, 204);
  });

  app.openapi(routes.test, async (c) => {
    const row = await load(c.req.valid('param').id);
    const outcome = await testConnection({ ...deps, store }, row);
    if (outcome.kind === 'not-installed')
      throw new HttpProblem(problem(409, `The connector "${outcome.connector}" is not installed.`));
    const { kind: _kind, ...answer } = outcome;
    return c.json(answer, 200);
  });
}
