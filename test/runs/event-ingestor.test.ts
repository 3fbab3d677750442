import { createLogger } from '@junction/core';
import { describe, expect, it } from 'vitest';
import { createPool } from '../../core/src/db/create-pool.js';
import { createEventIngestor } from '../../core/src/engine/event-ingestor.js';
import { useJunctionDatabase } from '../support/junction-database.js';

const database = useJunctionDatabase(6);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('group commit of events', () => {
  it('never commits two batches holding the same record at once, so later events wait behind earlier ones', async () => {
    const { pool } = database();
    await pool.query(`
      insert into integrations (id, name, enabled, current_version, created_by)
        values ('int_ingest', 'ingest', true, 1, 'test');
      insert into integration_versions (integration_id, version, definition, created_by)
        values ('int_ingest', 1, '{}', 'test')`);
    const ingestor = createEventIngestor({ pool, logger: createLogger('silent'), maxInFlight: 2 });
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
      const { rows: inFlight } = await pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
         where wait_event_type = 'Lock' and query like '%jsonb_to_recordset%'`,
      );
      expect(inFlight[0]?.n).toBe(2); // the first batch and the other record's, not the second
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

  it('queues jobs with plans made for the job queue as it is, not as it was', async () => {
    // graphile-worker's add_jobs keeps a generic plan per connection otherwise, made while the
    // queue was small, which then scans the whole queue for every batch during a burst.
    const { pool } = database();
    const ingestPool = createPool(pool.options.connectionString as string, {
      size: 1,
      applicationName: 'junction-ingest',
      customPlans: true,
    });
    try {
      const { rows } = await ingestPool.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(rows[0]?.plan_cache_mode).toBe('force_custom_plan');
    } finally {
      await ingestPool.end();
    }

    // A poll stores its events in its own transaction: custom plans for that transaction only.
    const ingestor = createEventIngestor({ pool, logger: createLogger('silent') });
    const client = await pool.connect();
    try {
      await client.query('begin');
      const outcomes = await ingestor.ingestWith(client, [
        { integrationId: 'int_ingest', dedupeKey: 'poll-1', sourceRecord: null, data: {} },
      ]);
      expect(outcomes[0]?.kind).toBe('accepted');
      const during = await client.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(during.rows[0]?.plan_cache_mode).toBe('force_custom_plan');
      await client.query('commit');
      const after = await client.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(after.rows[0]?.plan_cache_mode).toBe('auto');
    } finally {
      client.release();
      await ingestor.close();
    }
  });
});
