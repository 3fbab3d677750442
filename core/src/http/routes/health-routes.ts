import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../app-env.js';
import { problemResponses } from '../openapi-schemas.js';
import { problem, problemResponse } from '../problem.js';

export type CheckState = 'ok' | 'failing' | 'not-in-role';

export interface ReadinessReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<'database' | 'migrations' | 'workers', CheckState>>;
}

const ChecksSchema = z.object({
  database: z.enum(['ok', 'failing', 'not-in-role']),
  migrations: z.enum(['ok', 'failing', 'not-in-role']),
  workers: z.enum(['ok', 'failing', 'not-in-role']),
});

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness: the process is up',
  responses: {
    200: {
      description: 'The process answers.',
      content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } },
    },
  },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary:
    'Readiness: database reachable, migrations current, workers running (where the role has them)',
  responses: {
    200: {
      description: 'Ready to serve.',
      content: {
        'application/json': {
          schema: z.object({ status: z.literal('ready'), checks: ChecksSchema }),
          example: { status: 'ready', checks: { database: 'ok', migrations: 'ok', workers: 'ok' } },
        },
      },
    },
    ...problemResponses(503),
  },
});

/** `/healthz` and `/readyz`: open routes for probes, both cheap. */
export function registerHealthRoutes(
  app: OpenAPIHono<AppEnv>,
  readiness: () => Promise<ReadinessReport>,
): void {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    const report = await readiness();
    if (report.ready) return c.json({ status: 'ready' as const, checks: report.checks }, 200);
    const failing = Object.entries(report.checks)
      .filter(([, state]) => state === 'failing')
      .map(([name]) => name);
    return problemResponse(
      c,
      problem(503, `Not ready: ${failing.join(', ')} failing.`, { checks: report.checks }),
    ) as never;
  });
}
