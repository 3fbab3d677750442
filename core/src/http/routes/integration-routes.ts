import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { buildManifest } from '@junction/connector-kit';
import { manifestChanges } from '@junction/registry';
import type { Kysely } from 'kysely';
import { ConfigProblem } from '../../connections/config-problem.js';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import type { Database } from '../../db/schema.js';
import { compileIntegration } from '../../engine/compile-integration.js';
import { dryRun } from '../../engine/dry-run.js';
import { IntegrationDefinitionSchema } from '../../integrations/integration-definition.js';
import type { IntegrationStore } from '../../integrations/integration-store.js';
import type { AppEnv } from '../app-env.js';
import { requireIfMatch } from '../etag.js';
import { limitProblem } from '../limit-problem.js';
import { requirePermission } from '../middleware/require-role.js';
import { ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';
import { versionedRoutes } from './versioned-routes.js';

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

const integrations = versionedRoutes({
  kind: 'integration',
  path: '/v1/integrations',
  one: 'an integration',
  tags,
  schemas: {
    definition: IntegrationDefinitionSchema,
    view: IntegrationSchema,
    summary: SummarySchema,
    version: VersionSchema,
  },
  summaries: {
    create:
      'Create an integration (checked against connectors, connections and field schemas; created disabled)',
    update:
      'Save a new version of the definition (If-Match required); earlier versions stay immutable',
  },
});

const routes = {
  enable: integrations.toggleRoute(
    true,
    'Enable: its trigger starts producing runs (If-Match required)',
  ),
  disable: integrations.toggleRoute(
    false,
    'Disable: no new events are accepted (If-Match required)',
  ),
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
  const { by, load, withEtag, register, toggle } = integrations.bind(app, deps);

  register('create', 'list', 'get', 'update', 'versions', 'version');

  toggle(routes.enable, true);
  toggle(routes.disable, false);

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
