import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import { previewMapping } from '../../integrations/preview-mapping.js';
import type { Mapping } from '../../mapping/index.js';
import type { AppEnv } from '../app-env.js';
import { limitProblem } from '../limit-problem.js';
import { requirePermission } from '../middleware/require-role.js';
import { security } from '../openapi-headers.js';
import { problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';

const PreviewRequestSchema = z
  .object({
    mapping: z.record(z.string(), z.unknown()).openapi({
      example: {
        name: { upper: { var: 'event.name' } },
        country: { lookup: [{ France: 'FR' }, { var: 'event.country' }, 'ZZ'] },
      },
    }),
    data: z.record(z.string(), z.unknown()).openapi({
      description: 'What the mapping reads: usually `{ "event": {...}, "steps": {...} }`.',
      example: { event: { name: 'Ada', country: 'France' } },
    }),
    target: z
      .object({ connector: z.string(), version: z.string().optional(), action: z.string() })
      .strict()
      .optional()
      .openapi({ description: "Check the output against this action's input fields too." }),
  })
  .strict()
  .openapi('MappingPreviewRequest');

const PreviewSchema = z
  .object({
    output: z.record(z.string(), z.unknown()),
    errors: z.array(z.object({ field: z.string(), pointer: z.string(), detail: z.string() })),
    ok: z.boolean(),
  })
  .openapi('MappingPreview', {
    example: { output: { name: 'ADA', country: 'FR' }, errors: [], ok: true },
  });

const preview = createRoute({
  method: 'post',
  path: '/v1/mappings/preview',
  tags: ['mappings'],
  security,
  middleware: [requirePermission('read')] as const,
  summary:
    'Evaluate a mapping on sample data: the output and every per-field error; nothing is stored',
  description:
    'An evaluation that exceeds a mapping limit (maxStringLength, maxItems, timeBudgetMs) is answered 422 naming the limit, with a pointer to each expression that exceeded it; a body nested deeper than JUNCTION_JSON_MAX_DEPTH is answered 422 too.',
  request: {
    body: { required: true, content: { 'application/json': { schema: PreviewRequestSchema } } },
  },
  responses: {
    200: {
      description: 'The output and per-field errors.',
      content: { 'application/json': { schema: PreviewSchema } },
    },
    ...problemResponses(400, 401, 403, 413, 422),
  },
});

/** `POST /v1/mappings/preview`: try a mapping before it goes live. */
export function registerMappingRoutes(app: OpenAPIHono<AppEnv>, connectors: ConnectorSource): void {
  app.openapi(preview, (c) => {
    const { mapping, data, target } = c.req.valid('json');
    const result = previewMapping(connectors, mapping as Mapping, data, target);
    switch (result.kind) {
      case 'invalid':
        throw new HttpProblem(
          problem(422, `The mapping has ${result.problems.length} problem(s).`, {
            errors: result.problems.map((p) => ({ in: 'body', ...p })),
          }),
        );
      case 'unknown-action':
        throw new HttpProblem(
          problem(422, result.detail, {
            errors: [{ in: 'body', pointer: '/target', detail: 'unknown connector or action' }],
          }),
        );
      case 'over-limit':
        throw limitProblem(result.problems) as HttpProblem;
      case 'evaluated':
        return c.json({ output: result.output, errors: [...result.errors], ok: result.ok }, 200);
    }
  });
}
