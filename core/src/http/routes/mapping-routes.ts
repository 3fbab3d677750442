import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { validateFields } from '@junction/connector-kit';
import type { ConnectorSource } from '../../connectors/connector-source.js';
import { compileMapping, type Mapping, validateMapping } from '../../mapping/index.js';
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
    const invalid = validateMapping(mapping as Mapping);
    if (invalid.length > 0) {
      throw new HttpProblem(
        problem(422, `The mapping has ${invalid.length} problem(s).`, {
          errors: invalid.map((p) => ({
            in: 'body',
            pointer: `/mapping${p.pointer}`,
            detail: p.message,
          })),
        }),
      );
    }
    let action: { input: Parameters<typeof validateFields>[0] } | undefined;
    if (target) {
      const connector = connectors.get(target.connector, target.version);
      action = connector?.definition.actions?.find((a) => a.key === target.action);
      if (!action) {
        throw new HttpProblem(
          problem(
            422,
            `No action "${target.action}" in connector "${target.connector}"${target.version ? `@${target.version}` : ''}.`,
            {
              errors: [{ in: 'body', pointer: '/target', detail: 'unknown connector or action' }],
            },
          ),
        );
      }
    }
    const result = compileMapping(mapping as Mapping)(data);
    const over = limitProblem(
      result.errors.map((e) => ({
        pointer: `/mapping${e.pointer}`,
        detail: e.message,
        limit: e.limit,
      })),
    );
    if (over) throw over;
    const errors = result.errors.map((e) => ({
      field: e.field,
      pointer: `/mapping${e.pointer}`,
      detail: e.message,
    }));
    if (action) {
      for (const p of validateFields(action.input, result.output).problems) {
        const field = p.pointer.split('/')[1] ?? '';
        errors.push({
          field,
          pointer: `/mapping${p.pointer}`,
          detail: `the action's input ${p.message}`,
        });
      }
    }
    return c.json({ output: result.output, errors, ok: errors.length === 0 }, 200);
  });
}
