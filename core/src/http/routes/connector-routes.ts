import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { CatalogueConnector } from '../../plugins/plugin-catalogue.js';
import type { PluginHost } from '../../plugins/start-plugins.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { problemResponses } from '../openapi-schemas.js';
import { PageQuerySchema } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';

const security = [{ bearerAuth: [] }];
const tags = ['connectors'];
const JsonSchema = z
  .record(z.string(), z.unknown())
  .openapi({ description: 'JSON Schema 2020-12' });

const ConnectorSummarySchema = z
  .object({
    id: z.string().openapi({ example: 'acme-crm' }),
    name: z.string().openapi({ example: 'Acme CRM' }),
    description: z.string(),
    version: z.string().openapi({ description: 'The newest enabled version.', example: '1.2.0' }),
    versions: z.array(z.string()).openapi({ example: ['1.2.0', '1.1.0'] }),
    source: z.enum(['builtin', 'installed']),
    auth: z.object({ kind: z.string() }),
    recordTypes: z.array(z.string()),
    triggers: z.array(z.object({ key: z.string(), kind: z.string(), name: z.string() })),
    actions: z.array(z.object({ key: z.string(), kind: z.string(), name: z.string() })),
  })
  .openapi('ConnectorSummary');

const ConnectorSchema = z
  .object({
    id: z.string().openapi({ example: 'acme-crm' }),
    name: z.string(),
    description: z.string(),
    version: z.string(),
    versions: z.array(z.string()),
    source: z.enum(['builtin', 'installed']),
    contract: z.string().openapi({ example: '^1.0.0' }),
    baseUrl: z.string().optional(),
    homepage: z.string().optional(),
    auth: z
      .object({
        kind: z.string(),
        settings: z.record(z.string(), z.unknown()),
        schema: JsonSchema,
        secrets: z.array(z.string()),
        testable: z.boolean(),
      })
      .openapi({ description: 'Credential fields as JSON Schema; secrets are writeOnly.' }),
    recordTypes: z.array(
      z.object({
        name: z.string(),
        description: z.string().optional(),
        key: z.string(),
        updatedAt: z.string().optional(),
        schema: JsonSchema,
      }),
    ),
    triggers: z.array(
      z.object({
        key: z.string(),
        kind: z.enum(['webhook', 'polling']),
        name: z.string(),
        description: z.string(),
        output: JsonSchema,
        sample: z.unknown(),
        subscribes: z.boolean().optional(),
        intervalSeconds: z.number().optional(),
      }),
    ),
    actions: z.array(
      z.object({
        key: z.string(),
        kind: z.string(),
        name: z.string(),
        description: z.string(),
        idempotent: z.boolean(),
        upsertKey: z.string().optional(),
        input: JsonSchema,
        output: JsonSchema,
        sample: z.unknown(),
      }),
    ),
  })
  .openapi('Connector');

function summary(c: CatalogueConnector, versions: readonly string[]) {
  const m = c.manifest;
  return {
    id: m.id,
    name: m.name,
    description: m.description,
    version: c.version,
    versions: [...versions],
    source: c.source,
    auth: { kind: m.auth.kind },
    recordTypes: m.recordTypes.map((r) => r.name),
    triggers: m.triggers.map((t) => ({ key: t.key, kind: t.kind, name: t.name })),
    actions: m.actions.map((a) => ({ key: a.key, kind: a.kind, name: a.name })),
  };
}

const listConnectors = createRoute({
  method: 'get',
  path: '/v1/connectors',
  tags,
  summary: 'The connector catalogue: every usable connector (enabled and loaded), by id',
  security,
  middleware: [requirePermission('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: {
      description: 'A page of connectors.',
      content: {
        'application/json': {
          schema: z.object({
            data: z.array(ConnectorSummarySchema),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 422),
  },
});

const getConnector = createRoute({
  method: 'get',
  path: '/v1/connectors/{id}',
  tags,
  summary: 'One connector: every trigger, action and record type with JSON Schemas and samples',
  security,
  middleware: [requirePermission('read')] as const,
  request: {
    params: z.object({
      id: z
        .string()
        .min(1)
        .max(200)
        .openapi({ param: { name: 'id', in: 'path' }, example: 'acme-crm' }),
    }),
    query: z.object({
      version: z
        .string()
        .max(100)
        .optional()
        .openapi({
          param: { name: 'version', in: 'query' },
          description: 'Default: the newest enabled version.',
        }),
    }),
  },
  responses: {
    200: {
      description: 'The connector.',
      content: { 'application/json': { schema: ConnectorSchema } },
    },
    ...problemResponses(401, 404, 422),
  },
});

/** `/v1/connectors`: what the loaded plugins offer, read from their manifests. */
export function registerConnectorRoutes(app: OpenAPIHono<AppEnv>, host: PluginHost): void {
  const { catalogue } = host;

  app.openapi(listConnectors, (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after =
      cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
    const ids = [...new Set(catalogue.list().map((e) => e.id))].sort();
    const all = ids
      .filter((id) => after === undefined || id > after)
      .flatMap((id) => {
        const newest = catalogue.getConnector(id);
        return newest ? [summary(newest, catalogue.versions(id))] : [];
      });
    const data = all.slice(0, limit);
    const nextCursor =
      all.length > limit ? Buffer.from(data[data.length - 1]!.id).toString('base64url') : null;
    return c.json({ data, nextCursor }, 200);
  });

  app.openapi(getConnector, (c) => {
    const { id } = c.req.valid('param');
    const { version } = c.req.valid('query');
    const found = catalogue.getConnector(id, version);
    if (!found) {
      const versions = catalogue.versions(id);
      throw new HttpProblem(
        problem(
          404,
          version && versions.length
            ? `Connector ${id} has no enabled version ${version}; available: ${versions.join(', ')}.`
            : `No connector ${id} is loaded (not installed, disabled, or failed to load).`,
        ),
      );
    }
    const body = {
      ...found.manifest,
      version: found.version,
      versions: [...catalogue.versions(id)],
      source: found.source,
    } as unknown as z.infer<typeof ConnectorSchema>;
    return c.json(body, 200);
  });
}
