import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import type { RunState } from '../../db/tables/run-tables.js';
import { cancelRun } from '../../runs/cancel-run.js';
import { decideRun } from '../../runs/decide-run.js';
import { replayDeadRuns } from '../../runs/replay-dead-runs.js';
import { type Operator, replayRun } from '../../runs/replay-runs.js';
import { getRunDetail, listRuns, runStats } from '../../runs/run-queries.js';
import type { AppEnv } from '../app-env.js';
import { idempotency } from '../middleware/idempotency.js';
import { requirePermission } from '../middleware/require-role.js';
import { idempotencyKey, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import {
  DecisionSchema,
  ReplayDeadSchema,
  RunDetailSchema,
  RunQuerySchema,
  RunSchema,
  RunStatsSchema,
} from './run-schemas.js';

const tags = ['runs'];
const json = jsonContent;
const idParam = IdParamSchema;

const routes = {
  list: createRoute({
    method: 'get',
    path: '/v1/runs',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary:
      'List runs, newest first (by creation order), filtered by integration, state, record, time',
    description:
      'Newest first by creation order (`seq`), a stable order: `nextCursor` continues after the last run of the page, and runs created meanwhile never shift a later page. Filters combine with AND.',
    request: { query: RunQuerySchema },
    responses: {
      200: {
        description: 'A page of runs.',
        content: json(pageSchema(RunSchema)),
      },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/runs/{id}',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: 'A run with its event and every step attempt',
    request: { params: idParam },
    responses: {
      200: { description: 'The run.', content: json(RunDetailSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
  replay: createRoute({
    method: 'post',
    path: '/v1/runs/{id}/replay',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary: 'Replay a dead or failed run: a new run for the same event, linked to this one',
    description:
      "The new run is bound to the integration version of the event and queued behind its record like a new event (pending while the record has an unfinished run). A failed run (waiting to retry) is cancelled in the same transaction and its replay takes its place in the lane. A dead run that keeps its record's place (ordering `hold`) gives it to its replay. A run is replayed once: replay the newest run of a chain. 409 for any other state, a run already replayed, a disabled integration, or a run whose record has since had a newer event applied (`newerEvent`: replaying it would write old data over new).",
    request: { params: idParam, headers: idempotencyKey },
    responses: {
      201: { description: 'The new run.', content: json(RunSchema) },
      ...problemResponses(401, 403, 404, 409),
    },
  }),
  cancel: createRoute({
    method: 'post',
    path: '/v1/runs/{id}/cancel',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary:
      "Cancel a run that has not started (queued or pending), is parked (waiting), or is dead and keeps its record's place (ordering hold); its record moves on",
    request: { params: idParam },
    responses: {
      200: { description: 'The cancelled run.', content: json(RunSchema) },
      ...problemResponses(401, 403, 404, 409),
    },
  }),
  decide: createRoute({
    method: 'post',
    path: '/v1/runs/{id}/decide',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary: 'Settle a run whose step outcome is unknown: mark the step done, or send it again',
    description:
      'For a run in state `unknown`: a non-idempotent step was sent and whether it took effect is unknown (its worker crashed, or it timed out or failed after sending), so Junction did not send it again. Check the target, then `{"decision": "done", "output": {...}}` records the step as succeeded with that output (its record link and audit entry as for a write) or `{"decision": "send-again"}` sends it once more; either way the run is queued and goes on with the steps after it. The decision is audited (`run.decide`). 409 for a run in any other state.',
    request: {
      params: idParam,
      body: { content: json(DecisionSchema), required: true },
    },
    responses: {
      200: { description: 'The run, queued again.', content: json(RunSchema) },
      ...problemResponses(400, 401, 403, 404, 409, 422),
    },
  }),
  replayDead: createRoute({
    method: 'post',
    path: '/v1/integrations/{id}/replay-dead',
    tags,
    security,
    middleware: [requirePermission('runs:operate')] as const,
    summary: 'Replay every dead run of an integration that has not been replayed yet',
    description:
      'Oldest first, in transactions of 200 runs, each replay with its audit entry (`run.replay`). 409 when the integration is disabled.',
    request: { params: idParam, headers: idempotencyKey },
    responses: {
      200: { description: 'What was replayed.', content: json(ReplayDeadSchema) },
      ...problemResponses(401, 403, 404, 409),
    },
  }),
  stats: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/runs/stats',
    tags,
    security,
    middleware: [requirePermission('read')] as const,
    summary: "Counts of an integration's runs by state (every state, zeros included)",
    request: { params: idParam },
    responses: {
      200: { description: 'The counts.', content: json(RunStatsSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
};

const operatorOf = (c: Context<AppEnv>): Operator => ({
  actor: actorOf(c.get('principal')),
  requestId: c.get('requestId'),
});

/** `/v1/runs`: list, read, replay and cancel runs; per-integration replay of dead runs and counts. */
export function registerRunRoutes(app: OpenAPIHono<AppEnv>, db: Kysely<Database>): void {
  const withIdempotency = idempotency(db);
  app.use('/v1/runs/:id/replay', (c, next) =>
    c.req.method === 'POST' ? withIdempotency(c, next) : next(),
  );
  app.use('/v1/integrations/:id/replay-dead', (c, next) =>
    c.req.method === 'POST' ? withIdempotency(c, next) : next(),
  );

  app.openapi(routes.list, async (c) => {
    const query = c.req.valid('query');
    const states = [query.state ?? []].flat().flatMap((s) => s.split(',')) as RunState[];
    const { runs, seqs } = await listRuns(db, {
      integrationId: query.integration,
      states,
      sourceRecord: query.record,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      beforeSeq: cursorSeq(query.cursor),
      limit: query.limit,
    });
    return c.json(seqPage(runs, seqs, query.limit), 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const run = await getRunDetail(db, id);
    if (!run) throw new HttpProblem(problem(404, `No run with id ${id}.`));
    return c.json(run, 200);
  });

  app.openapi(routes.replay, async (c) => {
    const { id } = c.req.valid('param');
    const outcome = await replayRun(db, id, operatorOf(c));
    const [refusal] = outcome.refused;
    if (refusal) {
      const { detail, ...extra } = refusal;
      throw new HttpProblem(problem(409, detail, extra));
    }
    const [run] = outcome.replayed;
    if (!run) throw new HttpProblem(problem(404, `No run with id ${id}.`));
    c.header('Location', `/v1/runs/${run.id}`);
    return c.json(run, 201);
  });

  app.openapi(routes.cancel, async (c) => {
    const { id } = c.req.valid('param');
    const outcome = await cancelRun(db, id, operatorOf(c));
    if (outcome.kind === 'not-found') throw new HttpProblem(problem(404, `No run with id ${id}.`));
    if (outcome.kind === 'refused')
      throw new HttpProblem(
        problem(
          409,
          `Only queued, pending or waiting runs, or a dead run that keeps its record's place, can be cancelled; this run is ${outcome.state}.`,
          {
            state: outcome.state,
          },
        ),
      );
    return c.json(outcome.run, 200);
  });

  app.openapi(routes.decide, async (c) => {
    const { id } = c.req.valid('param');
    const outcome = await decideRun(db, id, c.req.valid('json'), operatorOf(c));
    if (outcome.kind === 'not-found') throw new HttpProblem(problem(404, `No run with id ${id}.`));
    if (outcome.kind === 'refused')
      throw new HttpProblem(
        problem(
          409,
          `Only a run whose step outcome is unknown can be decided; this run is ${outcome.state}.`,
          { state: outcome.state },
        ),
      );
    return c.json(outcome.run, 200);
  });

  app.openapi(routes.replayDead, async (c) => {
    const { id } = c.req.valid('param');
    const outcome = await replayDeadRuns(db, id, operatorOf(c));
    if (outcome.kind === 'not-found')
      throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    if (outcome.kind === 'disabled')
      throw new HttpProblem(
        problem(409, 'The integration is disabled; enable it to replay its runs.'),
      );
    return c.json(
      {
        count: outcome.replayed.length,
        runs: outcome.replayed.map((r) => ({
          id: r.id,
          replayOf: r.replayOf as string,
          state: r.state,
        })),
        skipped: outcome.refused.map((r) => ({ runId: r.runId, detail: r.detail })),
      },
      200,
    );
  });

  app.openapi(routes.stats, async (c) => {
    const { id } = c.req.valid('param');
    const exists = await db
      .selectFrom('integrations')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!exists) throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    return c.json({ integration: id, counts: await runStats(db, id) }, 200);
  });
}
