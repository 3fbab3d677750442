import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { CallbackReceiver } from '../../engine/wait-callbacks.js';
import type { AppEnv } from '../app-env.js';
import { problemResponses } from '../openapi-schemas.js';
import { HttpProblem, problem } from '../problem.js';

const ResumedSchema = z
  .object({ runId: z.string(), state: z.literal('queued') })
  .openapi('CallbackAccepted', {
    example: { runId: 'run_0190f3c2-7a4e-7c1d-9b8e-2f4a6c8d0e1f', state: 'queued' },
  });

const receive = createRoute({
  method: 'post',
  path: '/callbacks/{token}',
  tags: ['runs'],
  summary: 'Resume a run parked by an asynchronous step: the result of the work it started',
  description:
    "Open route: the URL is the step's `ctx.resumeUrl`, signed and single-use. The JSON body becomes the step's output, checked against the action's output fields first (422 with pointers; nothing changes, the URL stays usable). 202: the run is queued to continue. 403: the signature is not valid. 409: the URL was used already (or the run was cancelled). 410: the step's deadline passed (its timeout policy applied). 503 with Retry-After: the step has not finished parking its run yet (a callback faster than the step): send it again.",
  request: {
    params: z.object({ token: z.string().min(1).max(300) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.record(z.string(), z.unknown()).openapi({
            example: { status: 'done', fileUrl: 'https://files.example.com/e/42.csv' },
          }),
        },
      },
    },
  },
  responses: {
    202: { description: 'Resumed.', content: { 'application/json': { schema: ResumedSchema } } },
    ...problemResponses(400, 403, 404, 409, 413, 422),
    410: { description: 'Past the deadline.', content: problemResponses(410)[410].content },
    503: {
      description: 'Not parked yet, or the database is unavailable: send it again.',
      content: problemResponses(503)[503].content,
    },
  },
});

/** `POST /callbacks/{token}`: settles a step waiting for a callback. */
export function registerCallbackRoutes(app: OpenAPIHono<AppEnv>, receiver: CallbackReceiver): void {
  app.openapi(receive, async (c) => {
    const { token } = c.req.valid('param');
    const body = c.req.valid('json');
    const outcome = await receiver(token, body, c.get('requestId'));
    switch (outcome.kind) {
      case 'resumed':
        return c.json({ runId: outcome.runId, state: 'queued' as const }, 202);
      case 'forged':
        throw new HttpProblem(problem(403, 'The signature of this callback URL is not valid.'));
      case 'invalid':
        throw new HttpProblem(
          problem(422, "The body does not match the step's output fields; nothing changed.", {
            errors: outcome.problems.map((p) => ({
              in: 'body',
              pointer: p.pointer,
              detail: p.message,
            })),
          }),
        );
      case 'expired':
        throw new HttpProblem(
          problem(
            410,
            `The step stopped waiting at its deadline (${outcome.deadline.toISOString()}); its timeout policy applies.`,
          ),
        );
      case 'settled':
        throw new HttpProblem(
          outcome.state === 'timed-out'
            ? problem(410, 'The step stopped waiting at its deadline; its timeout policy applied.')
            : problem(409, `This callback URL was used already (the wait is ${outcome.state}).`, {
                waitState: outcome.state,
              }),
        );
      case 'run-not-waiting':
        throw new HttpProblem(
          problem(409, `The run is not waiting any more (it is ${outcome.state}).`, {
            runState: outcome.state,
          }),
        );
      case 'not-found':
        throw new HttpProblem(
          problem(503, 'The step has not finished parking its run yet: send the callback again.'),
          { 'Retry-After': '1' },
        );
    }
  });
}
