import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { inScope } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import {
  assigneeProblem,
  type ReviewQueue,
  type ReviewResult,
  reviewStats,
} from '../../review/index.js';
import type { AppEnv } from '../app-env.js';
import { etagOf } from '../etag.js';
import { requirePermission } from '../middleware/require-role.js';
import { ifMatch, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import {
  ApproveSchema,
  AssignSchema,
  BulkApprovedSchema,
  BulkApproveSchema,
  ClaimSchema,
  EditSchema,
  RejectSchema,
  ReviewQuerySchema,
  ReviewSchema,
  ReviewStatsSchema,
} from './review-schemas.js';

const tags = ['reviews'];
const json = jsonContent;
const params = IdParamSchema;
const body = <T extends z.ZodType>(schema: T) => ({
  body: { required: true, content: json(schema) },
});
const item = { 200: { description: 'The review item.', content: json(ReviewSchema) } };

const action = <S extends z.ZodType>(
  path: string,
  summary: string,
  schema: S,
  description?: string,
) =>
  createRoute({
    method: 'post',
    path,
    tags,
    security,
    middleware: [requirePermission('reviews:decide')] as const,
    summary,
    ...(description ? { description } : {}),
    request: { params, headers: ifMatch, ...body(schema) },
    responses: { ...item, ...problemResponses(400, 401, 403, 404, 409, 412, 422) },
  });

const routes = {
  list: createRoute({
    method: 'get',
    path: '/v1/reviews',
    tags,
    security,
    middleware: [requirePermission('reviews:read')] as const,
    summary:
      'The review queue: items oldest first, filtered by integration, state, assignee, SLA, age',
    description:
      "A reviewer token sees only the integrations it is limited to. Each item has its proposal (the write's input), the data it came from, and a diff against the target's current record when the action can read it.",
    request: { query: ReviewQuerySchema },
    responses: {
      200: { description: 'A page.', content: json(pageSchema(ReviewSchema)) },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/v1/reviews/{id}',
    tags,
    security,
    middleware: [requirePermission('reviews:read')] as const,
    summary: 'A review item (with its ETag)',
    request: { params },
    responses: { ...item, ...problemResponses(401, 403, 404) },
  }),
  claim: action(
    '/v1/reviews/{id}/claim',
    'Claim an item: others cannot decide it until the claim expires',
    ClaimSchema,
  ),
  release: action(
    '/v1/reviews/{id}/release',
    'Give a claimed item back to the queue',
    ClaimSchema.pick({}),
  ),
  edit: createRoute({
    method: 'patch',
    path: '/v1/reviews/{id}',
    tags,
    security,
    middleware: [requirePermission('reviews:decide')] as const,
    summary:
      "Edit the proposal (If-Match required): checked against the action's fields like a mapping's output",
    request: { params, headers: ifMatch, ...body(EditSchema) },
    responses: { ...item, ...problemResponses(400, 401, 403, 404, 409, 412, 422, 428) },
  }),
  approve: action(
    '/v1/reviews/{id}/approve',
    'Approve: the run goes on and the action writes the proposal (or the input given here, checked first)',
    ApproveSchema,
    'If-Match is optional here: when given, a stale one is refused (412).',
  ),
  reject: action(
    '/v1/reviews/{id}/reject',
    'Reject with a reason: the run stops (cancelled) and nothing is written',
    RejectSchema,
  ),
  bulk: createRoute({
    method: 'post',
    path: '/v1/reviews/approve',
    tags,
    security,
    middleware: [requirePermission('reviews:decide')] as const,
    summary: 'Approve many items at once, each as it stands; the ones that cannot be are listed',
    request: body(BulkApproveSchema),
    responses: {
      200: {
        description: 'What was approved and what was refused, and why.',
        content: json(BulkApprovedSchema),
      },
      ...problemResponses(400, 401, 403, 422),
    },
  }),
  assign: createRoute({
    method: 'post',
    path: '/v1/reviews/{id}/assign',
    tags,
    security,
    middleware: [requirePermission('reviews:assign')] as const,
    summary: 'Give an item to a reviewer (or take it back), whoever holds it: operators and admins',
    request: { params, ...body(AssignSchema) },
    responses: { ...item, ...problemResponses(400, 401, 403, 404, 409, 422) },
  }),
  stats: createRoute({
    method: 'get',
    path: '/v1/integrations/{id}/review-stats',
    tags,
    security,
    middleware: [requirePermission('reviews:read')] as const,
    summary: "How reviewers decided this integration's items by confidence band (tenths)",
    description:
      "Approved unchanged, approved with an edit, rejected and still open: the evidence to set a gate's threshold from.",
    request: { params },
    responses: {
      200: { description: 'Counts by band.', content: json(ReviewStatsSchema) },
      ...problemResponses(401, 403, 404),
    },
  }),
};

/**
 * The revision an `If-Match` names (`"r3"`, or `r3` as shells pass it without its quotes),
 * undefined without one; 412 for any other form.
 */
function ifMatchRevision(c: Context<AppEnv>): number | undefined {
  const header = c.req.header('if-match');
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?("?)r(\d+)\1$/.exec(header.trim());
  if (!match)
    throw new HttpProblem(problem(412, `If-Match ${header} is not an ETag of this item.`));
  return Number(match[2]);
}

/** A review operation's answer: the item with its ETag, or the problem of its refusal. */
function answer(c: Context<AppEnv>, result: ReviewResult) {
  switch (result.kind) {
    case 'ok':
      c.header('ETag', etagOf(result.item.revision));
      return c.json(result.item, 200);
    case 'not-found':
      throw new HttpProblem(problem(404, `No review item ${c.req.param('id')}.`));
    case 'not-open':
      throw new HttpProblem(
        problem(409, `The item is ${result.state} already.`, { state: result.state }),
      );
    case 'claimed':
      throw new HttpProblem(
        problem(409, `The item is claimed by ${result.by} until ${result.until}.`, {
          assignee: result.by,
          until: result.until,
        }),
      );
    case 'stale':
      throw new HttpProblem(
        problem(
          412,
          `If-Match is stale: the current ETag is ${etagOf(result.revision)}. Read the item again and send its ETag header as it came (with or without its double quotes), then retry.`,
        ),
        { ETag: etagOf(result.revision) },
      );
    case 'invalid':
      throw new HttpProblem(
        problem(422, "The input does not fit the action's fields; nothing changed.", {
          errors: result.problems.map((p) => ({
            in: 'body' as const,
            pointer: `/input${p.pointer}`,
            detail: p.message,
          })),
        }),
      );
    case 'run-not-waiting':
      throw new HttpProblem(
        problem(409, `The run is not waiting for this review any more (${result.state}).`),
      );
  }
}

/** `/v1/reviews`: the review queue; `/v1/integrations/{id}/review-stats`. */
export function registerReviewRoutes(
  app: OpenAPIHono<AppEnv>,
  db: Kysely<Database>,
  queue: ReviewQueue,
): void {
  const who = (c: Context<AppEnv>) => ({
    principal: c.get('principal'),
    requestId: c.get('requestId'),
  });

  app.openapi(routes.list, async (c) => {
    const query = c.req.valid('query');
    const principal = c.get('principal');
    if (query.integration !== undefined && !inScope(principal, query.integration))
      throw new HttpProblem(
        problem(403, `This token is not allowed on integration ${query.integration}.`),
      );
    const { items, seqs } = await queue.list(
      {
        integration: query.integration,
        state: query.state,
        assignee: query.assignee,
        sla: query.sla,
        minAgeSeconds: query.minAgeSeconds,
        afterSeq: cursorSeq(query.cursor),
        limit: query.limit,
      },
      principal,
    );
    return c.json(seqPage(items, seqs, query.limit), 200);
  });

  app.openapi(routes.get, async (c) => {
    const found = await queue.get(c.req.valid('param').id, c.get('principal'));
    return answer(c, found ? { kind: 'ok', item: found } : { kind: 'not-found' });
  });

  app.openapi(routes.claim, async (c) =>
    answer(c, await queue.claim(c.req.valid('param').id, who(c), c.req.valid('json').seconds)),
  );
  app.openapi(routes.release, async (c) =>
    answer(c, await queue.release(c.req.valid('param').id, who(c))),
  );

  app.openapi(routes.edit, async (c) => {
    const revision = ifMatchRevision(c);
    if (revision === undefined)
      throw new HttpProblem(
        problem(
          428,
          'Send If-Match with the ETag you last read, so that concurrent edits are not lost.',
        ),
      );
    return answer(
      c,
      await queue.edit(c.req.valid('param').id, who(c), c.req.valid('json').input, revision),
    );
  });

  app.openapi(routes.approve, async (c) => {
    const { input } = c.req.valid('json');
    return answer(
      c,
      await queue.approve(c.req.valid('param').id, who(c), {
        ...(input === undefined ? {} : { input }),
        revision: ifMatchRevision(c),
      }),
    );
  });

  app.openapi(routes.reject, async (c) =>
    answer(
      c,
      await queue.reject(
        c.req.valid('param').id,
        who(c),
        c.req.valid('json').reason,
        ifMatchRevision(c),
      ),
    ),
  );

  app.openapi(routes.bulk, async (c) => {
    const { approved, refused } = await queue.approveMany(c.req.valid('json').ids, who(c));
    const status = { 'not-found': 404, stale: 412, invalid: 422 } as Record<string, number>;
    return c.json(
      {
        approved,
        refused: refused.map(({ id, refusal }) => ({
          id,
          status: status[refusal.kind] ?? 409,
          detail:
            refusal.kind === 'claimed'
              ? `claimed by ${refusal.by} until ${refusal.until}`
              : refusal.kind === 'not-open'
                ? `${refusal.state} already`
                : refusal.kind === 'not-found'
                  ? 'no such review item'
                  : refusal.kind,
        })),
      },
      200,
    );
  });

  app.openapi(routes.assign, async (c) => {
    const { id } = c.req.valid('param');
    const { assignee } = c.req.valid('json');
    const found = await queue.get(id, c.get('principal'));
    if (!found) return answer(c, { kind: 'not-found' });
    if (assignee !== null) {
      const why = await assigneeProblem(db, assignee, found.integration);
      if (why)
        throw new HttpProblem(
          problem(422, 'The request body has 1 problem(s).', {
            errors: [{ in: 'body', pointer: '/assignee', detail: why }],
          }),
        );
    }
    return answer(c, await queue.assign(id, who(c), assignee));
  });

  app.openapi(routes.stats, async (c) => {
    const { id } = c.req.valid('param');
    const principal = c.get('principal');
    const exists = await db
      .selectFrom('integrations')
      .select('id')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!exists || !inScope(principal, id))
      throw new HttpProblem(problem(404, `No integration with id ${id}.`));
    return c.json({ integration: id, bands: await reviewStats(db, id) }, 200);
  });
}
