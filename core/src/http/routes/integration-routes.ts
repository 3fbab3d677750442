import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { buildManifest } from '@junction/connector-kit';
import { manifestChanges } from '@junction/registry';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import { ConfigProblem } from '../../connections/config-problem.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import type { Database } from '../../db/schema.js';
import { compileIntegration } from '../../engine/compile-integration.js';
import { dryRun } from '../../engine/dry-run.js';
import { IntegrationDefinitionSchema } from '../../integrations/integration-definition.js';
import type { IntegrationStore } from '../../integrations/integration-store.js';
import type { AppEnv } from '../app-env.js';
import { etagOf, requireIfMatch } from '../etag.js';
import { limitProblem } from '../limit-problem.js';
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

const SubscriptionSchema = z
  .object({
    state: z.enum(['pending', 'active', 'failed', 'removing', 'removed']),
    connector: z.string(),
    trigger: z.string(),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('WebhookSubscription', {
    example: {
      state: 'active',
      connector: 'acme-crm',
      trigger: 'contact-changed',
      lastError: null,
      attempts: 0,
      updatedAt: '2026-12-06T10:00:00.000Z',
    },
  });

const IntegrationSchema = z
  .object({
    id: z.string().openapi({ example: 'int_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d' }),
    name: z.string(),
    enabled: z.boolean(),
    version: z
      .number()
      .int()
      .openapi({ description: 'The current version; runs record the version they ran.' }),
    revision: z.number().int(),
    definition: IntegrationDefinitionSchema,
    webhookPath: z.string().nullable().openapi({
      description: 'POST webhooks here (keep it private; rotate it if it leaks).',
      example: '/hooks/hk_3q2Vb8Yk0c9f',
    }),
    subscription: SubscriptionSchema.nullable().openapi({
      description:
        "The webhook Junction registers at the trigger's system (triggers with subscribe): registered on enable and when the webhook URL is rotated, removed on disable; null when the trigger subscribes nothing.",
    }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Integration');

const SummarySchema = IntegrationSchema.omit({
  definition: true,
  webhookPath: true,
  subscription: true,
}).openapi('IntegrationSummary');

const VersionSchema = z
  .object({
    version: z.number().int(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    createdBy: z.string(),
    definition: IntegrationDefinitionSchema.optional(),
  })
  .openapi('IntegrationVersion');

const ProblemList = z.array(z.object({ pointer: z.string(), detail: z.string() }));

const DryRunSchema = z
  .object({
    matchedRoutes: z.array(z.string()),
    ok: z.boolean(),
    error: z.string().optional(),
    steps: z.array(
      z.object({
        route: z.string(),
        step: z.string(),
        kind: z.enum(['filter', 'action']),
        passes: z.boolean(),
        connector: z.string().optional(),
        action: z.string().optional(),
        input: z.record(z.string(), z.unknown()).optional(),
        problems: ProblemList,
      }),
    ),
  })
  .openapi('DryRun', {
    example: {
      matchedRoutes: ['europe'],
      ok: true,
      steps: [
        {
          route: 'europe',
          step: 'upsert-customer',
          kind: 'action',
          passes: true,
          connector: 'postgres',
          action: 'upsert',
          input: { table: 'customers' },
          problems: [],
        },
      ],
    },
  });

const TestRequestSchema = z
  .object({
    event: z.record(z.string(), z.unknown()).openapi({
      description:
        "The event as the integration's trigger produces it: its output fields, which mappings read as `event.<field>`. For the http connector's webhook-received, the posted JSON goes in `body`. GET /v1/connectors/{id} lists each trigger's output fields and a sample.",
      example: { body: { id: 'c-42', name: 'Ada', country: 'FR' } },
    }),
    version: z
      .number()
      .int()
      .min(1)
      .optional()
      .openapi({ description: 'Default: the current version.' }),
  })
  .strict()
  .openapi('IntegrationTestRequest');

const idParam = IdParamSchema;
const json = jsonContent;
const tags = ['integrations'];

const routes = {
  create: createRoute({
    method: 'post',
    path: '/v1/integrations',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary:
      'Create an integration (checked against connectors, connections and field schemas; created disabled)',
    request: {
      headers: idempotencyKey,
      body: { required: true, content: json(IntegrationDefinitionSchema) },
    },
    responses: {
      201: { description: 'Created as version 1.', content: json(IntegrationSchema) },
      ...problemResponses(400, 401, 403, 409, 413, 422),
    },
  }),
  list: createRoute({
    method: 'get',
    path: '/v1/integrations',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'List integrations, oldest first',
    request: { query: PageQuerySchema },
    responses: {
      200: {
        description: 'A page.',
        content: json(pageSchema(SummarySchema)),
      },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'Read an integration at its current version (with its ETag)',
    request: { params: idParam },
    responses: {
      200: { description: 'The integration.', content: json(IntegrationSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  update: createRoute({
    method: 'put',
    path: '/v1/integrations/{id}',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary:
      'Save a new version of the definition (If-Match required); earlier versions stay immutable',
    request: {
      params: idParam,
      headers: ifMatch,
      body: { required: true, content: json(IntegrationDefinitionSchema) },
    },
    responses: {
      200: { description: 'The new current version.', content: json(IntegrationSchema) },
      ...problemResponses(400, 401, 403, 404, 412, 413, 422, 428),
    },
  }),
  versions: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/versions',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'Every saved version, newest first',
    request: { params: idParam },
    responses: {
      200: { description: 'Versions.', content: json(z.object({ data: z.array(VersionSchema) })) },
      ...problemResponses(401, 403, 404),
    },
  }),
  version: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/versions/{version}',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'One saved version with its definition',
    request: { params: idParam.extend({ version: z.coerce.number().int().min(1) }) },
    responses: {
      200: { description: 'The version.', content: json(VersionSchema) },
      ...problemResponses(401, 403, 404, 422),
    },
  }),
  enable: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/enable',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary: 'Enable: its trigger starts producing runs (If-Match required)',
    request: { params: idParam, headers: ifMatch },
    responses: {
      200: { description: 'Enabled.', content: json(IntegrationSchema) },
      ...problemResponses(401, 403, 404, 412, 428),
    },
  }),
  disable: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/disable',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary: 'Disable: no new events are accepted (If-Match required)',
    request: { params: idParam, headers: ifMatch },
    responses: {
      200: { description: 'Disabled.', content: json(IntegrationSchema) },
      ...problemResponses(401, 403, 404, 412, 428),
    },
  }),
  upgrade: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/upgrade',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary:
      'Move the integration to another version of a connector (If-Match required); every mapping is checked again',
    description:
      "Saves a new version whose uses of `connector` are pinned to `version`. If the new version's schemas no longer fit the mappings, nothing changes and 422 lists each problem, with `changes` listing what differs between the two versions.",
    request: {
      params: idParam,
      headers: ifMatch,
      body: {
        required: true,
        content: json(
          z
            .object({ connector: z.string().min(1), version: z.string().min(1) })
            .strict()
            .openapi('IntegrationUpgrade', {
              example: { connector: 'postgres', version: '0.2.0' },
            }),
        ),
      },
    },
    responses: {
      200: { description: 'The new current version.', content: json(IntegrationSchema) },
      ...problemResponses(401, 403, 404, 412, 422, 428),
    },
  }),
  rotateHook: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/webhook/rotate',
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary: 'Replace the webhook URL token; the old URL stops working at once',
    request: { params: idParam },
    responses: {
      200: {
        description: 'The integration with its new webhookPath.',
        content: json(IntegrationSchema),
      },
      ...problemResponses(401, 403, 404),
    },
  }),
  test: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/test',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary:
      'Dry run: which route an event takes and what each action would receive; nothing is called or written',
    request: { params: idParam, body: { required: true, content: json(TestRequestSchema) } },
    responses: {
      200: { description: 'The dry run.', content: json(DryRunSchema) },
      ...problemResponses(400, 401, 403, 404, 413, 422),
    },
  }),
};

/** Integrations: versioned definitions, enable/disable, and a dry run. */
export function registerIntegrationRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; store: IntegrationStore; connectors: ConnectorSource },
): void {
  const { store } = deps;
  const by = (c: Context<AppEnv>) => ({
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
  });
  const load = async (id: string) => {
    const row = await store.get(id);
    if (!row) throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    return row;
  };
  const withEtag = <T extends { revision: number }>(c: Context<AppEnv>, view: T) => {
    c.header('ETag', etagOf(view.revision));
    return view;
  };

  app.use('/v1/integrations', async (c, next) =>
    c.req.method === 'POST' ? idempotency(deps.db)(c, next) : next(),
  );

  app.openapi(routes.create, async (c) => {
    const view = withEtag(c, await store.create(c.req.valid('json'), by(c)));
    c.header('Location', `/v1/integrations/${view.id}`);
    return c.json(view, 201);
  });

  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = decodeCursor(cursor);
    const query = deps.db
      .selectFrom('integrations')
      .selectAll()
      .where(createdAfter(after))
      .orderBy('created_at')
      .orderBy('id');
    const page = pageOf(await query.limit(limit + 1).execute(), limit, creationPosition);
    const data = page.data.map((r) => ({
      id: r.id,
      name: r.name,
      enabled: r.enabled,
      version: r.current_version,
      revision: r.revision,
      createdAt: new Date(r.created_at).toISOString(),
      updatedAt: new Date(r.updated_at).toISOString(),
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

  app.openapi(routes.versions, async (c) => {
    const row = await load(c.req.valid('param').id);
    const rows = await deps.db
      .selectFrom('integration_versions')
      .select(['version', 'created_at', 'created_by'])
      .where('integration_id', '=', row.id)
      .orderBy('version', 'desc')
      .execute();
    const data = rows.map((r) => ({
      version: r.version,
      createdAt: new Date(r.created_at).toISOString(),
      createdBy: r.created_by,
    }));
    return c.json({ data }, 200);
  });

  app.openapi(routes.version, async (c) => {
    const { id, version } = c.req.valid('param');
    const row = await deps.db
      .selectFrom('integration_versions')
      .selectAll()
      .where('integration_id', '=', id)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new HttpProblem(problem(404, `Integration ${id} has no version ${version}.`));
    return c.json(
      {
        version: row.version,
        createdAt: new Date(row.created_at).toISOString(),
        createdBy: row.created_by,
        definition: row.definition as never,
      },
      200,
    );
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

  app.openapi(routes.upgrade, async (c) => {
    const row = await load(c.req.valid('param').id);
    requireIfMatch(c, row.revision);
    const { connector, version } = c.req.valid('json');
    const before = await store.definitionOf(row.id, row.current_version);
    const from = [before.trigger, ...before.routes.flatMap((r) => r.steps)].find(
      (s) => 'connector' in s && s.connector === connector,
    ) as { version?: string } | undefined;
    const oldDefinition = deps.connectors.get(connector, from?.version)?.definition;
    const newDefinition = deps.connectors.get(connector, version)?.definition;
    try {
      return c.json(withEtag(c, await store.upgrade(row, connector, version, by(c))), 200);
    } catch (error) {
      if (error instanceof ConfigProblem && oldDefinition && newDefinition) {
        error.extra.changes = manifestChanges(
          buildManifest(oldDefinition),
          buildManifest(newDefinition),
        );
      }
      throw error;
    }
  });

  app.openapi(routes.rotateHook, async (c) => {
    const row = await load(c.req.valid('param').id);
    return c.json(withEtag(c, await store.rotateHook(row, by(c))), 200);
  });

  app.openapi(routes.test, async (c) => {
    const row = await load(c.req.valid('param').id);
    const { event, version = row.current_version } = c.req.valid('json');
    const definition = await store.definitionOf(row.id, version).catch(() => {
      throw new HttpProblem(problem(404, `Integration ${row.id} has no version ${version}.`));
    });
    const result = dryRun(compileIntegration(definition), event, deps.connectors);
    const over = limitProblem(result.steps.flatMap((step) => step.problems));
    if (over) throw over;
    return c.json(structuredClone(result) as z.infer<typeof DryRunSchema>, 200);
  });
}
