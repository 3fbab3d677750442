import { z } from '@hono/zod-openapi';

/**
 * A connection's `settings.rateLimit`: an operator's override of its connector's declared limit,
 * field by field. `requests` per `perSeconds` spaces the calls; `concurrency` bounds the calls
 * in flight at once, across every Junction process.
 */
export const RateLimitSettingSchema = z
  .object({
    requests: z.number().int().min(1).max(100_000).optional(),
    perSeconds: z.number().positive().max(86_400).optional(),
    concurrency: z.number().int().min(1).max(1000).optional(),
  })
  .strict()
  .openapi('ConnectionRateLimit', { example: { requests: 10, perSeconds: 1, concurrency: 4 } });

/** Problems of a connection's `settings.rateLimit`, with JSON pointers into the request body. */
export function rateLimitSettingProblems(
  settings: Readonly<Record<string, unknown>> | undefined,
): { pointer: string; detail: string }[] {
  if (settings === undefined || !Object.hasOwn(settings, 'rateLimit')) return [];
  const at = '/settings/rateLimit';
  const parsed = RateLimitSettingSchema.safeParse(settings.rateLimit);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const path = [...issue.path, ...keys.slice(0, 1)].map(String);
      return {
        pointer: [at, ...path].join('/'),
        detail:
          issue.code === 'unrecognized_keys'
            ? `unknown field; rateLimit takes requests, perSeconds and concurrency`
            : issue.message,
      };
    });
  }
  const { requests, perSeconds, concurrency } = parsed.data;
  if ((requests === undefined) !== (perSeconds === undefined))
    return [
      {
        pointer: `${at}/${requests === undefined ? 'requests' : 'perSeconds'}`,
        detail: 'requests and perSeconds go together (at most requests calls per perSeconds)',
      },
    ];
  if (requests === undefined && concurrency === undefined)
    return [{ pointer: at, detail: 'give requests and perSeconds, or concurrency, or both' }];
  return [];
}
