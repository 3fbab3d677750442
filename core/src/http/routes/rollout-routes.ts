import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { RolloutStore, RolloutView } from '../../rollout/index.js';
import type { AppEnv } from '../app-env.js';
import { etagOf, requireIfMatch } from '../etag.js';
import { requirePermission } from '../middleware/require-role.js';
import { ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';
import {
  CriteriaSchema,
  HistorySchema,
  RollbackSchema,
  RolloutSchema,
  StageChangeSchema,
} from './rollout-schemas.js';

const tags = ['rollout'];
const json = jsonContent;
const params = IdParamSchema;
const answer = { 200: { description: 'The rollout now.', content: json(RolloutSchema) } };
const write = (path: string, method: 'put' | 'post', summary: string, schema: z.ZodType) =>
  createRoute({
    method,
    path,
    tags,
    security,
    middleware: [requirePermission('config:write')] as const,
    summary,
    request: { params, headers: ifMatch, body: { required: true, content: json(schema) } },
    responses: { ...answer, ...problemResponses(401, 403, 404, 409, 412, 422, 428) },
  });

const routes = {
  get: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/rollout',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'The rollout stage, its promotion criteria checked now, and the evidence per stage',
    request: { params },
    responses: { ...answer, ...problemResponses(401, 403, 404) },
  }),
  change: write(
    '/v1/integrations/{id}/rollout',
    'put',
    'Move to another stage (If-Match; versioned and audited); promoting past unmet criteria needs override',
    StageChangeSchema,
  ),
  rollback: write(
    '/v1/integrations/{id}/rollout/rollback',
    'post',
    'Go back to the stage before the current one (If-Match; a new stage version, audited)',
    RollbackSchema,
  ),
  criteria: write(
    '/v1/integrations/{id}/rollout/criteria',
    'put',
    'Set the promotion criteria (If-Match; audited); {} clears them',
    CriteriaSchema,
  ),
  history: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/rollout/history',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'Every stage version, newest first, with who changed it, why, and any override',
    request: { params },
    responses: {
      200: { description: 'Stage versions.', content: json(HistorySchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
};

/** `/v1/integrations/{id}/rollout`: stages, rollback, promotion criteria and evidence. */
export function registerRolloutRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; rollouts: RolloutStore },
): void {
  const { rollouts } = deps;
  const by = (c: Context<AppEnv>) => ({
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
  });
  const load = async (id: string) => {
    const row = await deps.db
      .selectFrom('integrations')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    return rollouts.view(id);
  };
  const withEtag = (c: Context<AppEnv>, view: RolloutView) => {
    c.header('ETag', etagOf(view.revision));
    return c.json(structuredClone(view) as z.infer<typeof RolloutSchema>, 200);
  };
  /** The current revision, after If-Match was checked against it (428, 412). */
  const matched = async (c: Context<AppEnv>, id: string) => {
    const view = await load(id);
    requireIfMatch(c, view.revision);
    return view.revision;
  };

  app.openapi(routes.get, async (c) => withEtag(c, await load(c.req.valid('param').id)));

  app.openapi(routes.change, async (c) => {
    const { id } = c.req.valid('param');
    const revision = await matched(c, id);
    const asked = c.req.valid('json') as z.infer<typeof StageChangeSchema>;
    return withEtag(c, await rollouts.change(id, revision, asked, by(c)));
  });

  app.openapi(routes.rollback, async (c) => {
    const { id } = c.req.valid('param');
    const revision = await matched(c, id);
    const asked = c.req.valid('json') as z.infer<typeof RollbackSchema>;
    return withEtag(c, await rollouts.rollback(id, revision, asked, by(c)));
  });

  app.openapi(routes.criteria, async (c) => {
    const { id } = c.req.valid('param');
    const revision = await matched(c, id);
    const criteria = c.req.valid('json') as z.infer<typeof CriteriaSchema>;
    const empty = Object.keys(criteria).length === 0;
    return withEtag(c, await rollouts.setCriteria(id, revision, empty ? null : criteria, by(c)));
  });

  app.openapi(routes.history, async (c) => {
    const { id } = c.req.valid('param');
    await load(id);
    return c.json({ data: await rollouts.history(id) } as z.infer<typeof HistorySchema>, 200);
  });
}
