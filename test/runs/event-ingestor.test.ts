import { createLogger } from '@junction/core';
import { describe, expect, it } from 'vitest';
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
    // queue was small, which then scans the whole queue for every batch during a burst. The plan
    // mode is seen here from a trigger on events, which runs inside the storing statement.
    const { pool } = database();
    await pool.query(`
      create table seen_plan_modes (mode text not null);
      create function record_plan_mode() returns trigger language plpgsql as $$
      begin
        insert into seen_plan_modes values (current_setting('plan_cache_mode'));
        return new;
      end $$;
      create trigger record_plan_mode before insert on events
        for each row execute function record_plan_mode()`);
    const ingestor = createEventIngestor({ pool, logger: createLogger('silent') });
    const event = (dedupeKey: string) => ({
      integrationId: 'int_ingest',
      dedupeKey,
      sourceRecord: null,
      data: {},
    });
    const client = await pool.connect();
    try {
      const [outcome] = await ingestor.ingest([event('plans-1')]);
      expect(outcome?.kind).toBe('accepted');
      // A poll stores its events in its own transaction: custom plans until it ends.
      await client.query('begin');
      const [polled] = await ingestor.ingestWith(client, [event('plans-2')]);
      expect(polled?.kind).toBe('accepted');
      const during = await client.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(during.rows[0]?.plan_cache_mode).toBe('force_custom_plan');
      await client.query('commit');
      const after = await client.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(after.rows[0]?.plan_cache_mode).toBe('auto');
      const seen = await pool.query<{ mode: string }>('select mode from seen_plan_modes');
      expect(seen.rows.map((r) => r.mode)).toEqual(['force_custom_plan', 'force_custom_plan']);
      // The pool's other connections kept their own setting.
      const other = await pool.query<{ plan_cache_mode: string }>('show plan_cache_mode');
      expect(other.rows[0]?.plan_cache_mode).toBe('auto');
    } finally {
      client.release();
      await ingestor.close();
      await pool.query(
        'drop trigger record_plan_mode on events; drop function record_plan_mode(); drop table seen_plan_modes',
      );
    }
  });
});
