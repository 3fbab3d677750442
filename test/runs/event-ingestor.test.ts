import { createLogger } from '@junction/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  createEventIngestor,
  type EventIngestor,
  type NewEvent,
} from '../../core/src/engine/event-ingestor.js';
import type { RunJobInsert } from '../../core/src/engine/run-job-insert.js';
import { createIntegrationRows } from '../support/create-integration-rows.js';
import { useJunctionDatabase } from '../support/junction-database.js';
import { lockWaiters } from '../support/lock-waiters.js';
import { createTestDatabase } from '../support/test-database.js';
import { until } from '../support/until.js';

const database = useJunctionDatabase(6);
const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How many times the job table was scanned whole (PostgreSQL's statistics, flushed first). */
async function queueScans(pool: pg.Pool): Promise<number> {
  await pool.query('select pg_stat_force_next_flush()');
  const { rows } = await pool.query<{ n: string }>(
    `select seq_scan as n from pg_stat_user_tables
     where schemaname = 'graphile_worker' and relname = '_private_jobs'`,
  );
  return Number(rows[0]?.n);
}

/** Queues 20,000 jobs due tomorrow: a job queue grown by a backlog. */
async function growQueue(pool: pg.Pool): Promise<void> {
  await pool.query(
    `select count(*) from graphile_worker.add_jobs(array(
       select row('test.later', '{}'::json, null, now() + interval '1 day', 25, null, 0, null)::graphile_worker.job_spec
       from generate_series(1, 20000)))`,
  );
}

/** Batches of one event of `int_ingest`, each with a new dedupe key starting with `prefix`. */
function singleEvents(prefix: string): () => NewEvent[] {
  let n = 0;
  return () => [
    { integrationId: 'int_ingest', dedupeKey: `${prefix}-${n++}`, sourceRecord: null, data: {} },
  ];
}

/** An ingestor that keeps its connection's first plans for an hour (made while the queue was small). */
function staleIngestor(pool: pg.Pool, jobInsert: RunJobInsert): EventIngestor {
  return createEventIngestor({ pool, logger, jobInsert, replanEveryMs: 3_600_000 });
}

describe('group commit of events', () => {
  it('never commits two batches holding the same record at once, so later events wait behind earlier ones', async () => {
    const { pool } = database();
    await createIntegrationRows(pool, 'int_ingest');
    const ingestor = createEventIngestor({ pool, logger, jobInsert: 'direct', maxInFlight: 2 });
    const event = (dedupeKey: string, sourceRecord: string) => ({
      integrationId: 'int_ingest',
      dedupeKey,
      sourceRecord,
      data: { dedupeKey },
    });
    // Hold every insert into events until released, so that batches are in flight together.
    const gate = await pool.connect();
    await gate.query('begin; lock table events in share row exclusive mode');
    try {
      const first = ingestor.ingest([event('a1', 'record-a')]);
      await sleep(100); // first batch in flight, waiting on the gate
      const second = ingestor.ingest([event('a2', 'record-a')]); // same record: must wait
      const other = ingestor.ingest([event('b1', 'record-b')]); // another record: goes now
      await sleep(100);
      expect(await lockWaiters(pool, 'jsonb_to_recordset')).toBe(2); // the first batch and the other record's, not the second
      await gate.query('commit');
      const outcomes = await Promise.all([first, second, other]);
      expect(outcomes.map((o) => o[0]?.kind)).toEqual(['accepted', 'accepted', 'accepted']);
    } finally {
      gate.release();
      await ingestor.close();
    }
    const { rows } = await pool.query<{ dedupe_key: string; state: string }>(
      `select e.dedupe_key, r.state from events e join runs r on r.event_id = e.id
       where e.integration_id = 'int_ingest' order by e.dedupe_key`,
    );
    expect(rows).toEqual([
      { dedupe_key: 'a1', state: 'queued' },
      { dedupe_key: 'a2', state: 'pending' }, // stored after a1 was committed: behind it
      { dedupe_key: 'b1', state: 'queued' },
    ]);
  });

  it('stores at once when nothing is being stored, and gathers events arriving meanwhile into the next batch', async () => {
    const { pool } = database();
    await createIntegrationRows(pool, 'int_gather');
    // A gathering delay longer than the test's timeout: only a batch sent at once can commit.
    const ingestor = createEventIngestor({
      pool,
      logger,
      jobInsert: 'direct',
      delayMs: 600_000,
      maxInFlight: 2,
    });
    const event = (dedupeKey: string) => ({
      integrationId: 'int_gather',
      dedupeKey,
      sourceRecord: null,
      data: {},
    });
    try {
      expect((await ingestor.ingest([event('alone')]))[0]?.kind).toBe('accepted');

      const gate = await pool.connect();
      await gate.query('begin; lock table events in share row exclusive mode');
      let first: Promise<unknown>;
      let later: Promise<unknown>[];
      try {
        first = ingestor.ingest([event('first')]);
        await sleep(100); // the first batch is in flight, waiting on the gate
        later = [ingestor.ingest([event('second')]), ingestor.ingest([event('third')])];
        await sleep(100);
        expect(await lockWaiters(pool, 'jsonb_to_recordset')).toBe(1); // the later events gather instead of going one by one
        await gate.query('commit');
      } finally {
        gate.release();
      }
      await Promise.all([first, ...later]);
    } finally {
      await ingestor.close();
    }
    // The later two went together when the first committed: one transaction.
    const { rows } = await pool.query<{ dedupe_key: string; tx: string }>(
      `select dedupe_key, xmin::text as tx from events where integration_id = 'int_gather'
       order by seq`,
    );
    expect(rows.map((r) => r.dedupe_key)).toEqual(['alone', 'first', 'second', 'third']);
    expect(rows[2]?.tx).toBe(rows[3]?.tx);
    expect(rows[1]?.tx).not.toBe(rows[2]?.tx);
  });

  it('answers a duplicate as a duplicate when its first copy commits while the batch is being stored', async () => {
    const { pool } = database();
    await createIntegrationRows(pool, 'int_race');
    const ingestor = createEventIngestor({ pool, logger, jobInsert: 'direct' });
    // Another transaction stores the same delivery first and commits only once this batch's
    // statement waits on it: the statement's snapshot is older than that commit.
    const other = await pool.connect();
    try {
      await other.query('begin');
      await other.query(
        `insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
         values ('evt_first_copy', 'int_race', 1, 'same-delivery', null, '{}')`,
      );
      const answer = ingestor.ingest([
        { integrationId: 'int_race', dedupeKey: 'same-delivery', sourceRecord: null, data: {} },
      ]);
      await until(async () => (await lockWaiters(pool, 'jsonb_to_recordset')) === 1);
      await other.query('commit');
      expect(await answer).toEqual([{ kind: 'duplicate', eventId: 'evt_first_copy' }]);
    } finally {
      other.release();
      await ingestor.close();
    }
    const { rows } = await pool.query(
      `select count(*)::int as events, (select count(*)::int from runs where integration_id = 'int_race') as runs
       from events where integration_id = 'int_race'`,
    );
    expect(rows).toEqual([{ events: 1, runs: 0 }]);
  });

  it('keys events and runs by time-ordered UUIDs (version 7), so that their indexes grow at one edge', async () => {
    const { pool } = database();
    await createIntegrationRows(pool, 'int_v7');
    const ingestor = createEventIngestor({ pool, logger, jobInsert: 'direct' });
    const before = Date.now();
    try {
      for (let i = 0; i < 3; i++) {
        await ingestor.ingest([
          { integrationId: 'int_v7', dedupeKey: `v7-${i}`, sourceRecord: `r${i}`, data: {} },
        ]);
      }
    } finally {
      await ingestor.close();
    }
    const { rows } = await pool.query<{ event_id: string; run_id: string }>(
      `select e.id as event_id, r.id as run_id from events e join runs r on r.event_id = e.id
       where e.integration_id = 'int_v7' order by e.seq`,
    );
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const millis = (id: string) => Number.parseInt(id.slice(4, 17).replace('-', ''), 16);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.event_id.slice(0, 4)).toBe('evt_');
      expect(row.event_id.slice(4)).toMatch(v7);
      expect(row.run_id.slice(0, 4)).toBe('run_');
      expect(row.run_id.slice(4)).toMatch(v7);
      expect(millis(row.event_id)).toBeGreaterThanOrEqual(before - 1000);
      expect(millis(row.event_id)).toBeLessThanOrEqual(Date.now() + 1000);
    }
    const times = rows.map((r) => millis(r.event_id));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('queueing its jobs directly, never scans the job queue, even on plans made while the queue was small', async () => {
    // A database of its own: its job queue starts empty, whatever the other tests queued.
    const own = await createTestDatabase();
    const pool = new pg.Pool({ connectionString: own.url, max: 1 });
    await createIntegrationRows(pool, 'int_ingest');
    const events = singleEvents('direct');
    const stale = staleIngestor(pool, 'direct');
    try {
      for (let i = 0; i < 8; i++) expect((await stale.ingest(events()))[0]?.kind).toBe('accepted');
      await growQueue(pool);
      const before = await queueScans(pool);
      for (let i = 0; i < 3; i++) expect((await stale.ingest(events()))[0]?.kind).toBe('accepted');
      expect(await queueScans(pool)).toBe(before);
    } finally {
      await stale.close();
      await pool.end();
      await own.drop();
    }
  });

  it('queueing through add_jobs, plans its statement afresh once the job queue has grown, instead of scanning the whole queue', async () => {
    // graphile-worker's add_jobs (PL/pgSQL) keeps a generic plan per connection. Made while the
    // queue was small, it scans the whole queue for every batch once the queue has grown. The
    // scans are read from PostgreSQL's statistics of the job table, on a one-connection pool.
    // (The way ingestion queues its jobs when graphile-worker's schema is not the known one.)
    const pool = new pg.Pool({
      connectionString: database().pool.options.connectionString,
      max: 1,
    });
    const events = singleEvents('plans');
    const stale = staleIngestor(pool, 'add-jobs');
    const fresh = createEventIngestor({ pool, logger, jobInsert: 'add-jobs', replanEveryMs: 0 });
    try {
      // Enough batches for the connection to keep generic plans, made with a small queue.
      for (let i = 0; i < 8; i++) expect((await stale.ingest(events()))[0]?.kind).toBe('accepted');
      await growQueue(database().pool);
      // Not replanned yet: the queue is scanned.
      const before = await queueScans(pool);
      expect((await stale.ingest(events()))[0]?.kind).toBe('accepted');
      expect(await queueScans(pool)).toBe(before + 1);
      // Replanned (the interval has passed): the batch is stored without scanning the queue.
      const after = await queueScans(pool);
      expect((await fresh.ingest(events()))[0]?.kind).toBe('accepted');
      expect(await queueScans(pool)).toBe(after);
      // Polls store their events with the caller's connection, inside its transaction.
      const client = await pool.connect();
      try {
        await client.query('begin');
        expect((await fresh.ingestWith(client, events()))[0]?.kind).toBe('accepted');
        await client.query('commit');
      } finally {
        client.release();
      }
      expect(await queueScans(pool)).toBe(after);
    } finally {
      await stale.close();
      await fresh.close();
      await pool.end();
    }
  });
});
