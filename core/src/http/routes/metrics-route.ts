import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { JunctionMetrics } from '../../metrics/create-metrics.js';
import type { AppEnv } from '../app-env.js';
import { requestLogger } from '../middleware/request-log.js';
import { problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';

const example = `# HELP junction_runs Runs by state (all integrations); succeeded, dead and cancelled refreshed at most every 15 s.
# TYPE junction_runs gauge
junction_runs{state="queued"} 3
junction_runs{state="succeeded"} 1200
# HELP junction_queue_depth graphile-worker jobs ready to run now (not locked by a worker, run_at reached).
# TYPE junction_queue_depth gauge
junction_queue_depth 3
`;

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['health'],
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Open route, like /healthz. `junction_events_accepted_total{integration}`, `junction_runs{state}`, `junction_step_duration_seconds{connector,outcome}` (histogram), `junction_queue_depth`, `junction_shadow_writes{integration,outcome}` and `junction_rollout_discrepancies{integration,kind,state}` (rollout), and the default process metrics. Two database queries per scrape.',
  responses: {
    200: {
      description: 'The metrics of this process.',
      content: { 'text/plain': { schema: z.string().openapi({ example }) } },
    },
    ...problemResponses(503),
  },
});

/** `GET /metrics`: this process's metrics for Prometheus. */
export function registerMetricsRoute(app: OpenAPIHono<AppEnv>, source: JunctionMetrics): void {
  app.openapi(metrics, async (c) => {
    let text: string;
    try {
      text = await source.scrape();
    } catch (error) {
      requestLogger(c).warn({ err: error }, 'collecting metrics failed');
      throw new HttpProblem(problem(503, 'The metrics could not be collected from the database.'));
    }
    return c.text(text, 200, { 'Content-Type': source.contentType });
  });
}
