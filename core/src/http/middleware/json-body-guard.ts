import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../app-env.js';
import { jsonShapeProblem } from '../json-shape-problem.js';
import { HttpProblem, problem } from '../problem.js';

/**
 * Refuses a JSON request body nested deeper than `maxDepth` (JUNCTION_JSON_MAX_DEPTH) with 422
 * and the pointer of the first value too deep, before anything parses or walks it: recursive code
 * (schema checks, JSON.stringify, PostgreSQL's jsonb) would otherwise run out of stack on it.
 * A key `__proto__` is refused too (422 with its pointer): schema parsing would drop it silently
 * or make it the prototype of the object it is in.
 */
export function jsonBodyGuard(maxDepth: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE') return next();
    if (!/json/i.test(c.req.header('content-type') ?? '')) return next();
    const found = jsonShapeProblem(await c.req.text(), maxDepth);
    if (found?.kind === 'too-deep') throw new HttpProblem(tooDeep(maxDepth, found.pointer));
    if (found?.kind === 'prototype-key') {
      throw new HttpProblem(
        problem(
          422,
          'The key "__proto__" is not accepted: it names a JavaScript object\'s prototype.',
          {
            errors: [
              { in: 'body', pointer: found.pointer, detail: 'the key "__proto__" is not accepted' },
            ],
          },
        ),
      );
    }
    return next();
  };
}

/** The 422 problem of a JSON value nested deeper than JUNCTION_JSON_MAX_DEPTH. */
export function tooDeep(maxDepth: number, pointer: string) {
  return problem(
    422,
    `The JSON is nested deeper than JUNCTION_JSON_MAX_DEPTH (${maxDepth} levels of objects and arrays).`,
    {
      limit: 'JUNCTION_JSON_MAX_DEPTH',
      errors: [{ in: 'body' as const, pointer, detail: `nested deeper than ${maxDepth} levels` }],
    },
  );
}
