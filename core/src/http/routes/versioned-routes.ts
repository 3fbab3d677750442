import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Actor } from '../../connections/connection-store.js';
import type { Database } from '../../db/schema.js';
import {
  type VersionedKind,
  type VersionedRowBase,
  type VersionRow,
  versionedKinds,
} from '../../versioned/versioned-kinds.js';
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

const json = jsonContent;
const idParam = IdParamSchema;

/** What the shared routes need of a versioned object's store (see createVersionedStore). */
export interface VersionedRouteStore<Row extends VersionedRowBase, D> {
  get(id: string): Promise<Row | undefined>;
  view(row: Row): Promise<View>;
  summary(row: Row): object;
  create(definition: D, by: Actor): Promise<View>;
  update(row: Row, definition: D, by: Actor): Promise<View>;
  setEnabled(row: Row, enabled: boolean, by: Actor): Promise<View>;
  versions(id: string): Promise<Omit<VersionRow, 'definition'>[]>;
  version(id: string, version: number): Promise<VersionRow | undefined>;
}

/** What a store answers of an object: at least its id and revision (its ETag). */
type View = { readonly id: string; readonly revision: number };

/** One versioned resource under /v1: its kind, path, schemas and the summaries that differ. */
export interface VersionedResource<D> {
  readonly kind: VersionedKind;
  /** `/v1/syncs`. */
  readonly path: string;
  /** `a sync`, `an integration`: how summaries name one. */
  readonly one: string;
  readonly tags: string[];
  /** The definition (its parse is `D`), the object, its summary in lists, one version. */
  readonly schemas: {
    definition: z.ZodType<D>;
    view: z.ZodType;
    summary: z.ZodType;
    version: z.ZodType;
  };
  readonly summaries: { create: string; update: string };
}

/**
 * The routes every versioned configuration object has (create, list, get, update, versions,
 * version), their OpenAPI descriptions, and helpers for the routes a kind adds: `load` (404
 * when missing), `by` (the actor of a change), `withEtag` (an answer with its ETag).
 */
export function versionedRoutes<D>(resource: VersionedResource<D>) {
  const { path, tags, schemas, one } = resource;
  const spec = versionedKinds[resource.kind];
  const write = { tags, security, middleware: requirePermission('config:write') };
  const read = { tags, security, middleware: requirePermission('read') };
  const routes = {
    create: createRoute({
      method: 'post',
      path,
      ...write,
      summary: resource.summaries.create,
      request: {
        headers: idempotencyKey,
        body: { required: true, content: json(schemas.definition) },
      },
      responses: {
        201: { description: 'Created as version 1.', content: json(schemas.view) },
        ...problemResponses(400, 401, 403, 409, 413, 422),
      },
    }),
    list: createRoute({
      method: 'get',
      path,
      ...read,
      summary: `List ${path.slice('/v1/'.length)}, oldest first`,
      request: { query: PageQuerySchema },
      responses: {
        200: { description: 'A page.', content: json(pageSchema(schemas.summary)) },
        ...problemResponses(400, 401, 403, 422),
      },
    }),
    get: createRoute({
      method: 'get',
      path: `${path}/{id}`,
      ...read,
      summary: `Read ${one} at its current version (with its ETag)`,
      request: { params: idParam },
      responses: {
        200: { description: `The ${resource.kind}.`, content: json(schemas.view) },
        ...problemResponses(401, 403, 404),
      },
    }),
    update: createRoute({
      method: 'put',
      path: `${path}/{id}`,
      ...write,
      summary: resource.summaries.update,
      request: {
        params: idParam,
        headers: ifMatch,
        body: { required: true, content: json(schemas.definition) },
      },
      responses: {
        200: { description: 'The new current version.', content: json(schemas.view) },
        ...problemResponses(400, 401, 403, 404, 412, 413, 422, 428),
      },
    }),
    versions: createRoute({
      method: 'get',
      path: `${path}/{id}/versions`,
      ...read,
      summary: 'Every saved version, newest first',
      request: { params: idParam },
      responses: {
        200: {
          description: 'Versions.',
          content: json(z.object({ data: z.array(schemas.version) })),
        },
        ...problemResponses(401, 403, 404),
      },
    }),
    version: createRoute({
      method: 'get',
      path: `${path}/{id}/versions/{version}`,
      ...read,
      summary: 'One saved version with its definition',
      request: { params: idParam.extend({ version: z.coerce.number().int().min(1) }) },
      responses: {
        200: { description: 'The version.', content: json(schemas.version) },
        ...problemResponses(401, 403, 404, 422),
      },
    }),
  };
  const time = (at: Date) => new Date(at).toISOString();
  /** POST {path}/{id}/enable or /disable, If-Match required, answering the object. */
  const toggleRoute = (enabled: boolean, summary: string) =>
    createRoute({
      method: 'post',
      path: `${path}/{id}/${enabled ? 'enable' : 'disable'}`,
      ...write,
      summary,
      request: { params: idParam, headers: ifMatch },
      responses: {
        200: { description: enabled ? 'Enabled.' : 'Disabled.', content: json(schemas.view) },
        ...problemResponses(401, 403, 404, 412, 428),
      },
    });

  return {
    toggleRoute,

    /** Binds the routes to `app` and `store`; `register` adds the shared ones in the order given. */
    bind<Row extends VersionedRowBase>(
      app: OpenAPIHono<AppEnv>,
      deps: {
        db: Kysely<Database>;
        store: VersionedRouteStore<Row, D>;
      },
    ) {
      const { store } = deps;
      const by = (c: Context<AppEnv>): Actor => ({
        actor: actorOf(c.get('principal')),
        requestId: c.get('requestId'),
      });
      const load = async (id: string): Promise<Row> => {
        const row = await store.get(id);
        if (!row) throw new HttpProblem(problem(404, `No ${resource.kind} with id ${id}.`));
        return row;
      };
      const withEtag = <T extends { revision: number }>(c: Context<AppEnv>, view: T) => {
        c.header('ETag', etagOf(view.revision));
        return view;
      };

      const handlers = {
        create() {
          app.use(path, async (c, next) =>
            c.req.method === 'POST' ? idempotency(deps.db)(c, next) : next(),
          );
          app.openapi(routes.create, async (c) => {
            const view = withEtag(c, await store.create(c.req.valid('json'), by(c)));
            c.header('Location', `${path}/${view.id}`);
            return c.json(view, 201);
          });
        },
        list() {
          app.openapi(routes.list, async (c) => {
            const { limit, cursor } = c.req.valid('query');
            const rows = await deps.db
              .selectFrom(spec.table)
              .selectAll()
              .where(createdAfter(decodeCursor(cursor)))
              .orderBy('created_at')
              .orderBy('id')
              .limit(limit + 1)
              .execute();
            const page = pageOf(rows as Row[], limit, creationPosition);
            return c.json({ data: page.data.map(store.summary), nextCursor: page.nextCursor }, 200);
          });
        },
        get() {
          app.openapi(routes.get, async (c) =>
            c.json(withEtag(c, await store.view(await load(c.req.valid('param').id))), 200),
          );
        },
        update() {
          app.openapi(routes.update, async (c) => {
            const row = await load(c.req.valid('param').id);
            requireIfMatch(c, row.revision);
            return c.json(withEtag(c, await store.update(row, c.req.valid('json'), by(c))), 200);
          });
        },
        versions() {
          app.openapi(routes.versions, async (c) => {
            const row = await load(c.req.valid('param').id);
            const data = (await store.versions(row.id)).map((r) => ({
              version: r.version,
              createdAt: time(r.created_at),
              createdBy: r.created_by,
            }));
            return c.json({ data }, 200);
          });
        },
        version() {
          app.openapi(routes.version, async (c) => {
            const { id, version } = c.req.valid('param');
            const row = await store.version(id, version);
            if (!row)
              throw new HttpProblem(problem(404, `${spec.title} ${id} has no version ${version}.`));
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
        },
      };

      return {
        by,
        load,
        withEtag,
        /** Adds a route of `toggleRoute`: turns the object on or off (If-Match required). */
        toggle(route: ReturnType<typeof toggleRoute>, enabled: boolean) {
          app.openapi(route, async (c) => {
            const row = await load(c.req.valid('param').id);
            requireIfMatch(c, row.revision);
            return c.json(withEtag(c, await store.setEnabled(row, enabled, by(c))), 200);
          });
        },
        /** Adds the shared routes named, in that order (the order of the OpenAPI document). */
        register(...names: (keyof typeof handlers)[]) {
          for (const name of names) handlers[name]();
        },
      };
    },
  };
}
