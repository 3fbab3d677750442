import { type CompiledQuery, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRow } from '../../core/src/audit/record-audit.js';
import type { Database } from '../../core/src/db/schema.js';
import { endAttemptsQuery } from '../../core/src/engine/attempt-ender.js';
import { claimRunsQuery } from '../../core/src/engine/claim-run.js';
import { storeEventsSql } from '../../core/src/engine/event-ingestor.js';
import {
  earlierRunQuery,
  promoteNextQuery,
  strandedLanesQuery,
} from '../../core/src/engine/run-finisher.js';
import { claimDuePollsQuery } from '../../core/src/engine/wait-poller.js';
import { dueWaitsQuery } from '../../core/src/engine/wait-sweeper.js';
import { type PreparedStep, writeStepQuery } from '../../core/src/engine/write-step.js';
import { expireRunsQuery, retentionTargetsQuery } from '../../core/src/retention/index.js';
import { dueEscalationsQuery } from '../../core/src/review/escalate-reviews.js';
import { listReviewsQuery } from '../../core/src/review/list-reviews.js';
import { closeParkingQueries } from '../../core/src/runs/cancel-run.js';
import { listRunsQuery } from '../../core/src/runs/run-queries.js';
import { seedGrownDatabase } from '../support/grown-database.js';
import {
  type PlanCatalog,
  planProblems,
  readPlanCatalog,
  type Statement,
} from '../support/plan-check.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * The hot statements of Junction, taken from the code that runs them, planned on a database
 * grown to a million events, runs, steps and record links: none may scan a big table, read a
 * whole index, or search an index that matches only the leading part of its condition. A
 * statement whose cost grows with the history of the data fails here.
 */
const ROWS = 1_000_000;
const integrations = ['grown_a', 'grown_b', 'grown_c', 'grown_d', 'grown_e'];
/** The id of the g-th seeded row (see seedGrownDatabase). */
const seeded = (prefix: string, g: number) => `${prefix}_0000${g.toString(16).padStart(12, '0')}`;
/** A seeded row's integration. */
const integrationOf = (g: number) => integrations[g % integrations.length] as string;

let database: TestDatabase;
let client: pg.Client;
let db: Kysely<Database>;
let catalog: PlanCatalog;

beforeAll(async () => {
  database = await createTestDatabase();
  client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const counts = await seedGrownDatabase(client, { rows: ROWS, integrations });
  expect(counts.runs).toBe(ROWS);
  catalog = await readPlanCatalog(client);
  // A Kysely that only compiles (it never connects): the statements' text and parameters.
  db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ max: 1 }) }) });
}, 600_000);

afterAll(async () => {
  await db?.destroy();
  await client?.end();
  await database?.drop();
});

const compiled = (query: CompiledQuery<unknown>, prepared = false): Statement => ({
  sql: query.sql,
  parameters: query.parameters,
  prepared,
});
const expectIndexed = async (statement: Statement) =>
  expect(await planProblems(client, catalog, statement)).toEqual([]);

/** A step with its record link and audit entry, as an attempt stores it. */
function preparedStep(g: number): PreparedStep {
  const now = new Date();
  return {
    row: {
      run_id: seeded('run', g),
      route_key: 'main',
      step_key: 'write',
      attempt: 1,
      state: 'succeeded',
      input: '{"id":1}',
      output: '{"id":"target-1"}',
      error: null,
      started_at: now,
      finished_at: now,
      duration_ms: 3,
    },
    link: {
      integration_id: integrationOf(g),
      step_key: 'write',
      source_system: 'http',
      source_id: `grown-${g}`,
      target_system: 'postgres',
      target_id: 'target-1',
      content_hash: Buffer.alloc(32, 1),
      last_output: '{"id":"target-1"}',
      updated_at: now,
      event_id: seeded('evt', g),
    },
    audit: auditRow({
      actor: `integration:${integrationOf(g)}`,
      action: 'record.write',
      subjectType: 'record',
      subjectId: `http:grown-${g}`,
      integrationId: integrationOf(g),
      runId: seeded('run', g),
      data: { input: { id: 1 } },
    }),
  };
}

describe('hot statements on a grown database', () => {
  it('ingestion: events by dedupe key, runs by lane, job insert', async () => {
    // A new record, a record with history, a replayed delivery (its dedupe key is stored).
    const events = [
      { i: 0, integration_id: 'grown_a', dedupe_key: 'new-1', source_record: 'new-1', data: {} },
      { i: 1, integration_id: 'grown_b', dedupe_key: 'new-2', source_record: 'grown-6', data: {} },
      {
        i: 2,
        integration_id: 'grown_c',
        dedupe_key: 'grown-7',
        source_record: 'grown-7',
        data: {},
      },
    ];
    for (const insert of ['direct', 'add-jobs'] as const)
      await expectIndexed({
        sql: storeEventsSql(insert),
        parameters: [JSON.stringify(events)],
        prepared: true,
      });
  });

  it('claiming runs reads their steps and their records’ links by index', async () => {
    const g = 500_003; // pending behind nothing: its lane is checked
    await expectIndexed(
      compiled(claimRunsQuery(db, [{ runId: seeded('run', g), attempt: 0, jobId: '1' }]), true),
    );
  });

  it('storing a step and ending attempts (fenced by the run, lanes checked)', async () => {
    const g = 400_011;
    await expectIndexed(
      compiled(
        writeStepQuery(db, { runId: seeded('run', g), attempt: 1 }, preparedStep(g), null),
        true,
      ),
    );
    const run = (n: number) => ({
      id: seeded('run', n),
      integrationId: integrationOf(n),
      sourceRecord: `grown-${n}`,
      attempt: 1,
    });
    await expectIndexed(
      compiled(
        endAttemptsQuery(db, [
          { run: run(g), end: { state: 'succeeded' }, step: preparedStep(g) },
          {
            run: run(g + 1),
            end: { state: 'failed', retryAt: new Date(), error: { message: 'x' } },
            step: undefined,
          },
        ]),
        true,
      ),
    );
  });

  it('handing a record on, and the lane sweeper', async () => {
    await expectIndexed(compiled(promoteNextQuery('grown_d', 'grown-20003').compile(db)));
    await expectIndexed(compiled(earlierRunQuery(seeded('run', 20_003)).compile(db)));
    await expectIndexed(compiled(strandedLanesQuery(5000).compile(db)));
  });

  it('waits: deadlines, due polls, cancelling a parked run', async () => {
    await expectIndexed(compiled(dueWaitsQuery(db, 100).compile()));
    await expectIndexed(compiled(claimDuePollsQuery(20).compile(db)));
    for (const query of closeParkingQueries(db, seeded('run', 5001)))
      await expectIndexed(compiled(query.compile()));
  });

  it('review queue: SLA escalation and the lists reviewers page through', async () => {
    await expectIndexed(compiled(dueEscalationsQuery(db, 100).compile()));
    const principal = { id: 'tok_reviewer', integrations: ['grown_b'] };
    const now = new Date();
    await expectIndexed(
      compiled(listReviewsQuery(db, { state: 'open', limit: 50 }, principal, now).compile()),
    );
    await expectIndexed(
      compiled(
        listReviewsQuery(
          db,
          { state: 'all', integration: 'grown_b', afterSeq: '1000', limit: 50 },
          { id: 'tok_admin', integrations: undefined },
          now,
        ).compile(),
      ),
    );
  });

  it('retention: the integrations to sweep, and one batch of expired runs with what goes with them', async () => {
    await expectIndexed(compiled(retentionTargetsQuery().compile(db)));
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    await expectIndexed(compiled(expireRunsQuery('grown_b', cutoff, 500).compile(db)));
  });

  it('run lists: newest first, by integration, by state', async () => {
    await expectIndexed(compiled(listRunsQuery(db, { limit: 50 }).compile()));
    await expectIndexed(
      compiled(listRunsQuery(db, { integrationId: 'grown_c', limit: 50 }).compile()),
    );
    await expectIndexed(
      compiled(
        listRunsQuery(db, { integrationId: 'grown_c', states: ['dead'], limit: 50 }).compile(),
      ),
    );
  });
});
