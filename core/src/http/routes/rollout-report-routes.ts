import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import { discrepancyLines, discrepancyReport, explainDiscrepancy } from '../../rollout/index.js';
import type { AppEnv } from '../app-env.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';
import {
  DiscrepancySchema,
  ExplainSchema,
  ReportQuerySchema,
  ReportSchema,
} from './rollout-schemas.js';

const tags = ['rollout'];

const routes = {
  report: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/rollout/report',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary:
      'The discrepancy report of shadow runs in a time window: match rate, discrepancies by kind and field, examples (JSON), or every discrepancy (NDJSON, CSV)',
    description:
      'Each write a shadow run recorded is compared, after the settling delay (JUNCTION_SHADOW_SETTLE_MS), with what the target holds for that record. Explained discrepancies (known differences) are counted apart from open ones.',
    request: { params: IdParamSchema, query: ReportQuerySchema },
    responses: {
      200: {
        description: 'The report.',
        content: {
          ...jsonContent(ReportSchema),
          'application/x-ndjson': { schema: z.string() },
          'text/csv': { schema: z.string() },
        },
      },
      ...problemResponses(400, 401, 403, 404, 422),
    },
  }),
  explain: createRoute({
    method: 'post',
    path: '/v1/rollout/discrepancies/{id}/explain',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary: 'Mark a discrepancy explained (a known difference) with a reason; audited',
    request: {
      params: IdParamSchema,
      body: { required: true, content: jsonContent(ExplainSchema) },
    },
    responses: {
      200: { description: 'The discrepancy.', content: jsonContent(DiscrepancySchema) },
      ...problemResponses(400, 401, 403, 404, 409, 422),
    },
  }),
};

/** `/v1/integrations/{id}/rollout/report` and `/v1/rollout/discrepancies/{id}/explain`. */
export function registerRolloutReportRoutes(app: OpenAPIHono<AppEnv>, db: Kysely<Database>): void {
  app.openapi(routes.report, async (c) => {
    const { id } = c.req.valid('param');
    const { from, to, format } = c.req.valid('query');
    const window = {
      ...(from ? { from: new Date(from) } : {}),
      ...(to ? { to: new Date(to) } : {}),
    };
    if (window.from && window.to && window.from >= window.to)
      throw new HttpProblem(
        problem(422, 'The window is empty: from must be before to.', {
          errors: [{ in: 'query', pointer: '/to', detail: 'must be after from' }],
        }),
      );
    const found = await db
      .selectFrom('integrations')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!found) throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    if (format === 'json')
      return c.json(
        structuredClone(await discrepancyReport(db, id, window)) as z.infer<typeof ReportSchema>,
        200,
      );
    const csv = format === 'csv';
    let text = '';
    for await (const line of discrepancyLines(db, id, window, csv)) text += line;
    c.header('Content-Type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header('Content-Disposition', `attachment; filename="discrepancies.${format}"`);
    return c.body(text, 200) as never;
  });

  app.openapi(routes.explain, async (c) => {
    const { id } = c.req.valid('param');
    const by = { actor: actorOf(c.get('principal')), requestId: c.get('requestId') };
    const result = await explainDiscrepancy(db, id, c.req.valid('json').reason, by);
    if (result.kind === 'not-found')
      throw new HttpProblem(problem(404, `No discrepancy with id ${id}.`));
    if (result.kind === 'explained')
      throw new HttpProblem(problem(409, 'The discrepancy is already explained.'));
    return c.json(structuredClone(result.view) as z.infer<typeof DiscrepancySchema>, 200);
  });
}
