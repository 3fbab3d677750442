import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.js';
import { type FieldProblem, problem, problemResponse } from './problem.js';

const places: Record<string, FieldProblem['in']> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
  cookie: 'header',
};

/** Turns a schema failure into 422 problem+json, one entry with a JSON pointer per problem. */
// biome-ignore lint/suspicious/noExplicitAny: the hook serves every route's input type.
export const validationHook: Hook<any, AppEnv, any, any> = (result, c) => {
  if (result.success) return;
  const where = places[result.target] ?? 'body';
  const errors: FieldProblem[] = result.error.issues.flatMap((issue) => {
    const pointer = toPointer(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        in: where,
        pointer: `${pointer}/${escapePointerPart(key)}`,
        detail: 'unknown field',
      }));
    }
    return [{ in: where, pointer, detail: issue.message }];
  });
  return problemResponse(
    c,
    problem(422, `The request ${where} has ${errors.length} problem(s).`, { errors }),
  );
};

function escapePointerPart(part: PropertyKey): string {
  return String(part).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** RFC 6901 pointer for a path of keys and indexes. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((p) => `/${escapePointerPart(p)}`).join('');
}
