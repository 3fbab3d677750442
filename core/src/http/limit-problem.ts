import { HttpProblem, problem } from './problem.js';

/**
 * The 422 answer to an evaluation that exceeded a mapping limit (`maxStringLength`, `maxItems`,
 * `timeBudgetMs`, `maxDepth`), naming the limit and pointing at each expression that did, or
 * undefined when no problem is a limit. A preview or dry run that hit a limit would not tell the
 * caller what the mapping does; the caller changes the mapping or its data.
 */
export function limitProblem(
  problems: readonly { pointer: string; detail: string; limit?: string }[],
): HttpProblem | undefined {
  const over = problems.filter((p) => p.limit !== undefined);
  if (over.length === 0) return undefined;
  const limits = [...new Set(over.map((p) => p.limit as string))];
  return new HttpProblem(
    problem(422, `The evaluation exceeded the mapping limit ${limits.join(', ')}.`, {
      limit: limits[0],
      errors: over.map((p) => ({ in: 'body', pointer: p.pointer, detail: p.detail })),
    }),
  );
}
