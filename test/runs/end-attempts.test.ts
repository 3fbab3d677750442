import { createLogger } from '@junction/core';
import type { Selectable } from 'kysely';
import { describe, expect, it, vi } from 'vitest';
import { sealAuditEntries } from '../../core/src/audit/seal-audit-entries.js';
import { verifyAuditChain } from '../../core/src/audit/verify-audit-chain.js';
import type { ResolvedConnector } from '../../core/src/connectors/connector-source.js';
import type { RunsTable } from '../../core/src/db/tables/run-tables.js';
import { createAttemptEnder } from '../../core/src/engine/attempt-ender.js';
import {
  contentHash,
  prepareStep,
  StaleAttemptError,
  type StepRecord,
  writeStep,
} from '../../core/src/engine/write-step.js';
import { insertRun, useJunctionDatabase } from '../support/junction-database.js';

const database = useJunctionDatabase();

const addRun = (id: string, sourceRecord: string, state: string, attempts: number) =>
  insertRun(database(), { integrationId: 'int_ends', id, sourceRecord, state, attempts });

const erp = { id: 'erp', version: '1.0.0' } as ResolvedConnector;

/** A step of attempt 1 of `run`, prepared as the executor prepares it. */
const firstAttemptStep = (run: Selectable<RunsTable>, step: StepRecord) =>
  prepareStep(
    { run, routeKey: 'all', sourceSystem: 'crm', attempt: 1, startedAt: new Date(), started: 0 },
    step,
  );

describe('ending attempts together', () => {
  it('stores the attempts ending in one turn with one statement, as each would alone', async () => {
    const a = await addRun('run_a', 'a', 'running', 1);
    const behindA = await addRun('run_a_next', 'a', 'pending', 0);
    const b = await addRun('run_b', 'b', 'running', 1);
    const c = await addRun('run_c', 'c', 'running', 1);
    const context = (run: Selectable<RunsTable>) => ({
      run,
      routeKey: 'all',
      sourceSystem: 'crm',
      attempt: 1,
      startedAt: new Date(),
      started: performance.now(),
    });
    const input = { name: 'ADA' };
    const written = prepareStep(context(a), {
      state: 'succeeded',
      stepKey: 'customer',
      input,
      output: { id: 'T-1', name: 'ADA' },
      record: {
        connector: erp,
        actionKey: 'create',
        input,
        targetIdPath: 'id',
        hash: contentHash('create', input),
      },
    });
    const failed = prepareStep(context(b), {
      state: 'failed',
      stepKey: 'customer',
      input,
      error: { kind: 'retryable', message: 'HTTP 503' },
    });
    const retryAt = new Date(Date.now() + 60_000);
    const end = createAttemptEnder(database(), createLogger('silent'));
    const query = vi.spyOn(database().pool, 'query');

    await Promise.all([
      end(
        { id: a.id, integrationId: 'int_ends', sourceRecord: 'a', attempt: 1 },
        { state: 'succeeded' },
        written,
      ),
      end(
        { id: b.id, integrationId: 'int_ends', sourceRecord: 'b', attempt: 1 },
        { state: 'failed', retryAt, error: { kind: 'retryable', message: 'HTTP 503' } },
        failed,
      ),
      end(
        { id: c.id, integrationId: 'int_ends', sourceRecord: 'c', attempt: 1 },
        { state: 'dead', outcome: 'not retryable', error: { kind: 'invalidInput', message: 'no' } },
        undefined,
      ),
    ]);
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();

    const runs = await database().pool.query(
      `select id, state, outcome, last_error, next_attempt_at, finished_at is not null as finished
       from runs where integration_id = 'int_ends' order by id`,
    );
    expect(runs.rows).toEqual([
      {
        id: 'run_a',
        state: 'succeeded',
        outcome: null,
        last_error: null,
        next_attempt_at: null,
        finished: true,
      },
      // handed on: the record's next run is queued now that run_a ended
      {
        id: behindA.id,
        state: 'queued',
        outcome: null,
        last_error: null,
        next_attempt_at: null,
        finished: false,
      },
      {
        id: 'run_b',
        state: 'failed',
        outcome: null,
        last_error: { kind: 'retryable', message: 'HTTP 503' },
        next_attempt_at: new Date(Math.floor(retryAt.getTime())),
        finished: false,
      },
      {
        id: 'run_c',
        state: 'dead',
        outcome: 'not retryable',
        last_error: { kind: 'invalidInput', message: 'no' },
        next_attempt_at: null,
        finished: true,
      },
    ]);
    const jobs = await database().pool.query(
      `select payload, run_at from graphile_worker._private_jobs order by payload->>'runId'`,
    );
    expect(jobs.rows).toEqual([
      { payload: { runId: 'run_a_next', attempt: 0 }, run_at: expect.any(Date) },
      { payload: { runId: 'run_b', attempt: 1 }, run_at: new Date(Math.floor(retryAt.getTime())) },
    ]);
    const steps = await database().pool.query(
      `select run_id, state, input, output, error from run_steps order by run_id`,
    );
    expect(steps.rows).toEqual([
      {
        run_id: 'run_a',
        state: 'succeeded',
        input,
        output: { id: 'T-1', name: 'ADA' },
        error: null,
      },
      {
        run_id: 'run_b',
        state: 'failed',
        input,
        output: null,
        error: { kind: 'retryable', message: 'HTTP 503' },
      },
    ]);
    const links = await database().pool.query(
      `select source_id, target_system, target_id, content_hash from record_links`,
    );
    expect(links.rows).toEqual([
      {
        source_id: 'a',
        target_system: 'erp',
        target_id: 'T-1',
        content_hash: contentHash('create', input),
      },
    ]);
    const audit = await database().pool.query(
      `select run_id, action, subject_id from audit_entries`,
    );
    expect(audit.rows).toEqual([{ run_id: 'run_a', action: 'record.write', subject_id: 'crm:a' }]);
    // The entry's hashes were stored as computed: it seals and verifies.
    await sealAuditEntries(database().db);
    expect(await verifyAuditChain(database().db)).toMatchObject({ ok: true, checked: 1 });
  });

  it('ends each attempt alone when the shared statement fails, so that one bad attempt fails alone', async () => {
    const good = await addRun('run_good', 'g', 'running', 1);
    const bad = await addRun('run_bad', 'h', 'running', 1);
    // run_bad's step already succeeded: storing it as succeeded again breaks the statement.
    await database().pool.query(
      `insert into run_steps (run_id, route_key, step_key, attempt, state, started_at, finished_at, duration_ms)
       values ('run_bad', 'all', 'customer', 1, 'succeeded', now(), now(), 1)`,
    );
    const step = (run: Selectable<RunsTable>, state: 'failed' | 'succeeded') =>
      firstAttemptStep(run, {
        state,
        stepKey: 'customer',
        error: { kind: 'retryable', message: 'x' },
      });
    const end = createAttemptEnder(database(), createLogger('silent'));
    const [ok, broken] = await Promise.allSettled([
      end(
        { id: good.id, integrationId: 'int_ends', sourceRecord: 'g', attempt: 1 },
        { state: 'dead' },
        step(good, 'failed'),
      ),
      end(
        { id: bad.id, integrationId: 'int_ends', sourceRecord: 'h', attempt: 1 },
        { state: 'succeeded' },
        step(bad, 'succeeded'),
      ),
    ]);
    expect(ok).toEqual({ status: 'fulfilled', value: true });
    expect(broken).toMatchObject({
      status: 'rejected',
      reason: { message: expect.stringContaining('run_steps_done') },
    });
    const { rows } = await database().pool.query(
      `select id, state from runs where id in ('run_good', 'run_bad') order by id`,
    );
    expect(rows).toEqual([
      { id: 'run_bad', state: 'running' },
      { id: 'run_good', state: 'dead' },
    ]);
  });

  it("refuses a stale attempt's ending and steps, storing nothing (fencing)", async () => {
    // Taken over: a newer attempt (2) holds the run. Cancelled: the run is no longer running.
    const taken = await addRun('run_taken', 't', 'running', 2);
    const cancelled = await addRun('run_cancelled', 'u', 'cancelled', 1);
    const current = await addRun('run_current', 'v', 'running', 1);
    const step = (run: Selectable<RunsTable>) =>
      firstAttemptStep(run, { state: 'succeeded', stepKey: 'customer', output: { id: 'T-1' } });
    const end = createAttemptEnder(database(), createLogger('silent'));
    const ends = await Promise.all(
      [taken, cancelled, current].map((run) =>
        end(
          { id: run.id, integrationId: 'int_ends', sourceRecord: run.source_record, attempt: 1 },
          { state: 'succeeded' },
          step(run),
        ),
      ),
    );
    expect(ends).toEqual([false, false, true]);
    await expect(
      writeStep(database(), { runId: taken.id, attempt: 1 }, step(taken)),
    ).rejects.toBeInstanceOf(StaleAttemptError);
    const { rows } = await database().pool.query(
      `select r.id, r.state, r.attempts, count(s.id)::int as steps from runs r
       left join run_steps s on s.run_id = r.id
       where r.id in ('run_taken', 'run_cancelled', 'run_current') group by r.id order by r.id`,
    );
    expect(rows).toEqual([
      { id: 'run_cancelled', state: 'cancelled', attempts: 1, steps: 0 },
      { id: 'run_current', state: 'succeeded', attempts: 1, steps: 1 },
      { id: 'run_taken', state: 'running', attempts: 2, steps: 0 },
    ]);
  });
});
