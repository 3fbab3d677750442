import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'urn:junction:problem:validation-failed' }),
    title: z.string().openapi({ example: 'Validation failed' }),
    status: z.number().int().openapi({ example: 422 }),
    detail: z.string().optional(),
    requestId: z.string().optional(),
    errors: z
      .array(
        z.object({
          in: z.enum(['body', 'query', 'path', 'header']),
          pointer: z.string().openapi({ example: '/name' }),
          detail: z.string(),
        }),
      )
      .optional(),
  })
  .passthrough()
  .openapi('Problem', { description: 'RFC 9457 problem details.' });

const descriptions: Record<number, string> = {
  400: 'The request is malformed (bad JSON, bad parameters).',
  401: 'No bearer token, or an unknown or revoked one.',
  403: 'The token lacks the role this operation needs.',
  404: 'No such resource.',
  409: 'Conflicts with the current state.',
  412: 'If-Match does not match the current version.',
  413: 'The request body is over the size limit.',
  422: 'The body is well-formed but invalid; `errors` lists each problem with a JSON pointer.',
  428: 'If-Match is required.',
  503: 'Not ready.',
};

/** OpenAPI response entries for the given error statuses, all problem+json. */
export function problemResponses(...statuses: number[]) {
  const entries: Record<
    number,
    {
      description: string;
      content: { 'application/problem+json': { schema: typeof ProblemSchema } };
    }
  > = {};
  for (const status of statuses) {
    entries[status] = {
      description: descriptions[status] ?? 'Error.',
      content: { 'application/problem+json': { schema: ProblemSchema } },
    };
  }
  return entries;
}

/** `{id}` in a path. */
export const IdParamSchema = z.object({ id: z.string().min(1).max(200) });

/** A JSON body or answer described by `schema`. */
export const jsonContent = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

/** One page of a cursor-paginated list. */
export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });
