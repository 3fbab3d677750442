import type { MiddlewareHandler } from 'hono';
import type { OpenAPIV3_1 } from 'openapi-types';
import { HttpProblem, problem } from '../problem.js';

interface QueryRule {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: ReadonlySet<string>;
}

/** The query parameters each documented operation takes, from the OpenAPI document. */
function queryRules(document: OpenAPIV3_1.Document): QueryRule[] {
  const rules: QueryRule[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const pattern = new RegExp(
      `^${path.replace(/[.+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}/]+\}/g, '[^/]+')}/?$`,
    );
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item?.[method];
      if (!operation) continue;
      const names = new Set<string>();
      for (const parameter of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        if ('in' in parameter && parameter.in === 'query') names.add(parameter.name);
      }
      rules.push({ method: method.toUpperCase(), pattern, names });
    }
  }
  return rules;
}

/**
 * Answers 400 to a request whose query string holds a parameter its route does not take (a
 * typo such as `?integraton=` would otherwise be ignored and answer everything), naming each
 * with a pointer. Routes are read from the OpenAPI document on first use.
 *
 * @example
 * ```ts
 * app.use('/v1/*', rejectUnknownQuery(() => openApiDocument(app, version)));
 * ```
 */
export function rejectUnknownQuery(document: () => OpenAPIV3_1.Document): MiddlewareHandler {
  let rules: QueryRule[] | undefined;
  return async (c, next) => {
    const given = Object.keys(c.req.queries());
    if (given.length > 0) {
      rules ??= queryRules(document());
      const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
      const matching = rules.filter((r) => r.method === method && r.pattern.test(c.req.path));
      const unknown = given.filter(
        (name) => matching.length && !matching.some((r) => r.names.has(name)),
      );
      if (unknown.length > 0) {
        const known = [...new Set(matching.flatMap((r) => [...r.names]))].sort();
        const takes = known.length ? `it takes ${known.join(', ')}` : 'it takes none';
        throw new HttpProblem(
          problem(
            400,
            `${c.req.method} ${c.req.path} has no query parameter ${unknown.join(', ')}: ${takes}.`,
            {
              errors: unknown.map((name) => ({
                in: 'query' as const,
                pointer: `/${name.replace(/~/g, '~0').replace(/\//g, '~1')}`,
                detail: 'unknown query parameter',
              })),
            },
          ),
        );
      }
    }
    await next();
  };
}
