import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { PluginHost } from '../../plugins/start-plugins.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { problemResponses } from '../openapi-schemas.js';
import { PageQuerySchema } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import { toPluginProblem } from './plugin-problem.js';
import {
  InstallPluginSchema,
  PluginParamsSchema,
  PluginSchema,
  PluginVersionParamsSchema,
  PluginVersionSchema,
} from './plugin-schemas.js';
import { allPlugins, fromInstall, pluginActor as who } from './plugin-versions.js';

/** The one route with its own, larger body limit (the global limit skips it). */
export const PLUGIN_UPLOAD_PATH = '/v1/plugins/upload';

const security = [{ bearerAuth: [] }];
const tags = ['plugins'];
const versionResponse = {
  description: 'The plugin version.',
  content: { 'application/json': { schema: PluginVersionSchema } },
};

const listPlugins = createRoute({
  method: 'get',
  path: '/v1/plugins',
  tags,
  summary: 'List plugins (built-in and installed) with every version, by id',
  security,
  middleware: [requirePermission('read')] as const,
  request: { query: PageQuerySchema },
  responses: {
    200: {
      description: 'A page of plugins.',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(PluginSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    ...problemResponses(400, 401, 422),
  },
});

const getPlugin = createRoute({
  method: 'get',
  path: '/v1/plugins/{id}',
  tags,
  summary: 'One plugin with its versions, their source, integrity and load status',
  security,
  middleware: [requirePermission('read')] as const,
  request: { params: PluginParamsSchema },
  responses: {
    200: { description: 'The plugin.', content: { 'application/json': { schema: PluginSchema } } },
    ...problemResponses(401, 404),
  },
});

const installPlugin = createRoute({
  method: 'post',
  path: '/v1/plugins',
  tags,
  summary: 'Install a plugin version from npm, a plugin index, a folder or a tarball path',
  description:
    'The package is fetched, extracted safely and verified (integrity, manifest, definition, contract range; install scripts are refused and never run) before anything is recorded. Every process sharing the database loads it within seconds. A refused plugin leaves nothing behind; `kind` says why.',
  security,
  middleware: [requirePermission('plugins:manage')] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: InstallPluginSchema } } },
  },
  responses: {
    201: { ...versionResponse, description: 'Installed.' },
    ...problemResponses(400, 401, 403, 409, 413, 422, 502),
  },
});

const summaries = {
  enable: 'Enable an installed plugin version without uninstalling it',
  disable: 'Disable an installed plugin version without uninstalling it',
  trust:
    "Trust an installed plugin version: its code then runs in Junction's own process, with Junction's rights (audited; see docs/security.md)",
  distrust:
    'Stop trusting an installed plugin version: its code runs in plugin hosts again (audited)',
} as const;

const versionAction = (action: keyof typeof summaries) =>
  createRoute({
    method: 'post',
    path: `/v1/plugins/{id}/versions/{version}/${action}`,
    tags,
    summary: summaries[action],
    security,
    middleware: [requirePermission('plugins:manage')] as const,
    request: { params: PluginVersionParamsSchema },
    responses: { 200: versionResponse, ...problemResponses(401, 403, 404) },
  });

const removePlugin = createRoute({
  method: 'delete',
  path: '/v1/plugins/{id}/versions/{version}',
  tags,
  summary: 'Uninstall a plugin version (refused while integrations pin it)',
  security,
  middleware: [requirePermission('plugins:manage')] as const,
  request: { params: PluginVersionParamsSchema },
  responses: {
    204: { description: 'Removed from the database; every process unloads it within seconds.' },
    ...problemResponses(401, 403, 404, 409),
  },
});

/** `/v1/plugins`: list, install (JSON source or uploaded .tgz), remove, enable, disable, trust. */
export function registerPluginRoutes(app: OpenAPIHono<AppEnv>, host: PluginHost): void {
  const limit = host.settings.uploadLimitBytes;
  const uploadPlugin = createRoute({
    method: 'post',
    path: PLUGIN_UPLOAD_PATH,
    tags,
    summary: 'Install a plugin from an uploaded .tgz (the request body)',
    description: `The body is the tarball (application/gzip or application/octet-stream), at most ${limit} bytes. Pass ?integrity=sha512-... to have it checked.`,
    security,
    middleware: [
      requirePermission('plugins:manage'),
      bodyLimit({
        maxSize: limit,
        onError: () => {
          throw new HttpProblem(
            problem(413, `The uploaded tarball is larger than the limit of ${limit} bytes.`),
          );
        },
      }),
    ] as const,
    request: {
      query: z.object({
        integrity: z
          .string()
          .max(200)
          .optional()
          .openapi({ param: { name: 'integrity', in: 'query' } }),
        name: z
          .string()
          .max(200)
          .optional()
          .openapi({ param: { name: 'name', in: 'query' }, example: 'acme-crm-1.2.0.tgz' }),
      }),
      body: {
        required: true,
        content: {
          'application/gzip': { schema: z.string().openapi({ format: 'binary' }) },
          'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) },
        },
      },
    },
    responses: {
      201: { ...versionResponse, description: 'Installed.' },
      ...problemResponses(401, 403, 409, 413, 415, 422),
    },
  });

  app.openapi(listPlugins, async (c) => {
    const { limit: pageSize, cursor } = c.req.valid('query');
    let after: string | undefined;
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!/^[a-z][a-z0-9-]*$/.test(after)) {
        throw new HttpProblem(
          problem(400, 'The cursor is not one this API returned.', {
            errors: [{ in: 'query', pointer: '/cursor', detail: 'not a valid cursor' }],
          }),
        );
      }
    }
    const all = (await allPlugins(host)).filter((p) => after === undefined || p.id > after);
    const data = all.slice(0, pageSize);
    const nextCursor =
      all.length > pageSize ? Buffer.from(data[data.length - 1]!.id).toString('base64url') : null;
    return c.json({ data, nextCursor }, 200);
  });

  app.openapi(getPlugin, async (c) => {
    const { id } = c.req.valid('param');
    const found = (await allPlugins(host, id))[0];
    if (!found)
      throw new HttpProblem(problem(404, `No plugin with id ${id} is built in or installed.`));
    return c.json(found, 200);
  });

  app.openapi(installPlugin, async (c) => {
    const { source } = c.req.valid('json');
    const summary = await host.service.install(source, who(c)).catch((e: unknown) => {
      throw toPluginProblem(e);
    });
    return c.json(fromInstall(summary, host), 201);
  });

  app.openapi(uploadPlugin, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim();
    if (
      type !== 'application/gzip' &&
      type !== 'application/octet-stream' &&
      type !== 'application/x-gzip'
    ) {
      throw new HttpProblem(
        problem(
          415,
          'Upload the .tgz as the body with Content-Type application/gzip or application/octet-stream.',
        ),
      );
    }
    const { integrity, name } = c.req.valid('query');
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const summary = await host.service
      .install(
        { kind: 'bytes', bytes, ...(integrity ? { integrity } : {}), ...(name ? { name } : {}) },
        who(c),
      )
      .catch((e: unknown) => {
        throw toPluginProblem(e);
      });
    return c.json(fromInstall(summary, host), 201);
  });

  for (const action of ['enable', 'disable', 'trust', 'distrust'] as const) {
    app.openapi(versionAction(action), async (c) => {
      const { id, version } = c.req.valid('param');
      const change =
        action === 'enable' || action === 'disable'
          ? host.service.setEnabled(id, version, action === 'enable', who(c))
          : host.service.setTrusted(id, version, action === 'trust', who(c));
      const summary = await change.catch((e: unknown) => {
        throw toPluginProblem(e);
      });
      return c.json(fromInstall(summary, host), 200);
    });
  }

  app.openapi(removePlugin, async (c) => {
    const { id, version } = c.req.valid('param');
    await host.service.remove(id, version, who(c)).catch((e: unknown) => {
      throw toPluginProblem(e);
    });
    return c.body(null, 204);
  });
}

/** The console's upload form, which has the upload's body limit too. */
export const CONSOLE_PLUGIN_UPLOAD_PATH = '/console/plugins/upload';
const uploadPaths = new Set([PLUGIN_UPLOAD_PATH, CONSOLE_PLUGIN_UPLOAD_PATH]);

/** Runs `middleware` on every request except the plugin uploads, which have their own body limit. */
export function exceptPluginUpload(
  middleware: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  return (c, next) => (uploadPaths.has(c.req.path) ? next() : middleware(c, next));
}
