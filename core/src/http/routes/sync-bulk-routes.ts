import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Kysely } from 'kysely';
import { actorOf } from '../../auth/principal.js';
import type { Database } from '../../db/schema.js';
import { backfillView, driftItemView, reconciliationView } from '../../sync/bulk-views.js';
import type { SyncBulk } from '../../sync/sync-bulk.js';
import type { AppEnv } from '../app-env.js';
import { idempotency } from '../middleware/idempotency.js';
import { requirePermission } from '../middleware/require-role.js';
import { idempotencyKey, security } from '../openapi-headers.js';
import { IdParamSchema, jsonContent, pageSchema, problemResponses } from '../openapi-schemas.js';
import { cursorSeq, PageQuerySchema, seqPage } from '../pagination.js';
import { HttpProblem, problem } from '../problem.js';
import {
  BackfillSchema,
  BulkParamSchema,
  DriftItemSchema,
  ReconciliationSchema,
  RepairResultSchema,
} from './sync-bulk-schemas.js';

const json = jsonContent;
const tags = ['syncs'];
const operate = { tags, security, middleware: requirePermission('runs:operate') };
const read = { tags, security, middleware: requirePermission('read') };
const base = '/v1/syncs/{id}';

/** Start, list and read routes of one kind of run of a sync (backfill, reconciliation). */
function runRoutes<S extends z.ZodType>(
  paths: { start: string; list: string },
  schema: S,
  summary: { start: string; list: string; one: string },
) {
  return {
    start: createRoute({
      method: 'post',
      path: paths.start,
      ...operate,
      summary: summary.start,
      request: { params: IdParamSchema, headers: idempotencyKey },
      responses: {
        202: { description: 'Queued; follow it at Location.', content: json(schema) },
        ...problemResponses(401, 403, 404, 409),
      },
    }),
    list: createRoute({
      method: 'get',
      path: paths.list,
      ...read,
      summary: summary.list,
      request: { params: IdParamSchema, query: PageQuerySchema },
      responses: {
        200: { description: 'A page, newest first.', content: json(pageSchema(schema)) },
        ...problemResponses(400, 401, 403, 404, 422),
      },
    }),
    one: createRoute({
      method: 'get',
      path: `${paths.list}/{rid}`,
      ...read,
      summary: summary.one,
      request: { params: BulkParamSchema },
      responses: {
        200: { description: 'The run.', content: json(schema) },
        ...problemResponses(401, 403, 404),
      },
    }),
  };
}

const backfills = runRoutes(
  { start: `${base}/backfill`, list: `${base}/backfills` },
  BackfillSchema,
  {
    start:
      'Start a backfill: both sides listed from the start, corresponding records linked, missing ones created in batches',
    list: 'The backfills of a sync, newest first, with their progress',
    one: 'One backfill: progress (done, total, rate, ETA), links and creates',
  },
);
const reconciliations = runRoutes(
  { start: `${base}/reconciliations`, list: `${base}/reconciliations` },
  ReconciliationSchema,
  {
    start: 'Start a reconciliation: both sides compared record by record into a drift report',
    list: 'The reconciliations of a sync, newest first, with their drift counts',
    one: 'One reconciliation: records read per side and drift found per kind',
  },
);

const items = createRoute({
  method: 'get',
  path: `${base}/reconciliations/{rid}/items`,
  ...read,
  summary:
    'The drift a reconciliation found, in pages (JSON), or every item streamed as NDJSON (Accept: application/x-ndjson)',
  request: { params: BulkParamSchema, query: PageQuerySchema },
  responses: {
    200: {
      description: 'A page of drift items, or all of them, one JSON object a line.',
      content: {
        ...json(pageSchema(DriftItemSchema)),
        'application/x-ndjson': { schema: z.string() },
      },
    },
    ...problemResponses(400, 401, 403, 404, 422),
  },
});

const repair = createRoute({
  method: 'post',
  path: `${base}/reconciliations/{rid}/repair`,
  ...operate,
  summary:
    "Repair a finished reconciliation's open drift by the sync's policies, each repair audited",
  request: { params: BulkParamSchema },
  responses: {
    200: { description: 'What was repaired, skipped, failed.', content: json(RepairResultSchema) },
    ...problemResponses(401, 403, 404, 409),
  },
});

type RunTable = 'sync_backfills' | 'sync_reconciliations';

/** Backfills, reconciliations, drift items and repairs of a sync. */
export function registerSyncBulkRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Kysely<Database>; bulk: SyncBulk },
): void {
  const { db, bulk } = deps;
  const by = (c: Context<AppEnv>) => ({
    actor: actorOf(c.get('principal')),
    requestId: c.get('requestId'),
  });
  const noSync = (id: string) => new HttpProblem(problem(404, `No sync with id ${id}.`));

  /** The runs of a sync in `table`, newest first, a page after the cursor's seq. */
  const listRuns = async (table: RunTable, id: string, limit: number, cursor?: string) => {
    const found = await db.selectFrom('syncs').select('id').where('id', '=', id).executeTakeFirst();
    if (!found) throw noSync(id);
    const before = cursorSeq(cursor);
    let q = db.selectFrom(table).selectAll().where('sync_id', '=', id);
    if (before !== undefined) q = q.where('seq', '<', before);
    return q
      .orderBy('seq', 'desc')
      .limit(limit + 1)
      .execute();
  };
  /** A page of those runs as views, with the cursor of the next page. */
  const runPage = async <V extends { readonly createdAt: string }>(
    table: RunTable,
    id: string,
    limit: number,
    cursor: string | undefined,
    view: (row: never) => V,
  ) => {
    const rows = await listRuns(table, id, limit, cursor);
    return seqPage(
      rows.map((r) => view(r as never)),
      rows.map((r) => r.seq),
      limit,
    );
  };
  const loadRun = async (table: RunTable, id: string, rid: string) => {
    const row = await db
      .selectFrom(table)
      .selectAll()
      .where('sync_id', '=', id)
      .where('id', '=', rid)
      .executeTakeFirst();
    if (!row) throw new HttpProblem(problem(404, `No run ${rid} of sync ${id}.`));
    return row;
  };
  /** The answer to a start: 202 with Location, or 404 / 409 (one under way). */
  const started = (
    c: Context<AppEnv>,
    id: string,
    list: string,
    outcome:
      | { kind: 'not-found' }
      | { kind: 'busy'; id: string }
      | { kind: 'started'; view: { id: string } },
  ) => {
    if (outcome.kind === 'not-found') throw noSync(id);
    if (outcome.kind === 'busy')
      throw new HttpProblem(
        problem(
          409,
          `A run of this kind is already under way (${outcome.id}); wait for it to end.`,
          {
            active: outcome.id,
          },
        ),
      );
    c.header('Location', `/v1/syncs/${id}/${list}/${outcome.view.id}`);
    return c.json(outcome.view as never, 202);
  };

  for (const path of ['/v1/syncs/:id/backfill', '/v1/syncs/:id/reconciliations'])
    app.use(path, async (c, next) => (c.req.method === 'POST' ? idempotency(db)(c, next) : next()));

  app.openapi(backfills.start, async (c) => {
    const { id } = c.req.valid('param');
    return started(c, id, 'backfills', await bulk.startBackfill(id, by(c)));
  });
  app.openapi(backfills.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const id = c.req.valid('param').id;
    return c.json(await runPage('sync_backfills', id, limit, cursor, backfillView), 200);
  });
  app.openapi(backfills.one, async (c) => {
    const { id, rid } = c.req.valid('param');
    return c.json(backfillView((await loadRun('sync_backfills', id, rid)) as never), 200);
  });

  app.openapi(reconciliations.start, async (c) => {
    const { id } = c.req.valid('param');
    return started(c, id, 'reconciliations', await bulk.startReconciliation(id, by(c)));
  });
  app.openapi(reconciliations.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const id = c.req.valid('param').id;
    return c.json(
      await runPage('sync_reconciliations', id, limit, cursor, reconciliationView),
      200,
    );
  });
  app.openapi(reconciliations.one, async (c) => {
    const { id, rid } = c.req.valid('param');
    return c.json(
      reconciliationView((await loadRun('sync_reconciliations', id, rid)) as never),
      200,
    );
  });

  app.openapi(items, async (c) => {
    const { id, rid } = c.req.valid('param');
    const { limit, cursor } = c.req.valid('query');
    await loadRun('sync_reconciliations', id, rid);
    const page = (after: string | undefined, n: number) => {
      let q = db.selectFrom('sync_drift_items').selectAll().where('reconciliation_id', '=', rid);
      if (after !== undefined) q = q.where('id', '>', after);
      return q.orderBy('id').limit(n).execute();
    };
    if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) {
      const encoder = new TextEncoder();
      let after: string | undefined;
      // One page of 500 items at a time in memory, pulled as the client reads.
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const rows = await page(after, 500);
          if (rows.length === 0) return controller.close();
          after = rows.at(-1)?.id;
          const text = rows.map((r) => `${JSON.stringify(driftItemView(r))}\n`).join('');
          controller.enqueue(encoder.encode(text));
        },
      });
      c.header('Content-Type', 'application/x-ndjson');
      return c.body(body, 200) as never;
    }
    const rows = await page(cursorSeq(cursor), limit + 1);
    const views = rows.map(driftItemView);
    return c.json(
      seqPage(
        views,
        rows.map((r) => r.id),
        limit,
      ) as never,
      200,
    );
  });

  app.openapi(repair, async (c) => {
    const { id, rid } = c.req.valid('param');
    const outcome = await bulk.repair(id, rid, by(c));
    if (outcome.kind === 'not-found')
      throw new HttpProblem(problem(404, `No run ${rid} of sync ${id}.`));
    if (outcome.kind === 'not-finished')
      throw new HttpProblem(
        problem(
          409,
          `The reconciliation is ${outcome.state}; only a finished one can be repaired.`,
        ),
      );
    return c.json(outcome.totals, 200);
  });
}
