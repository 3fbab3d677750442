import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The secret part of an integration's webhook URL: looked up by hash, shown from the sealed copy.
  await db.schema
    .createTable('integration_hooks')
    .addColumn('integration_id', 'text', (c) =>
      c.primaryKey().references('integrations.id').onDelete('cascade'),
    )
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('token_sealed', 'bytea', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('integration_version', 'integer', (c) => c.notNull())
    .addColumn('dedupe_key', 'text', (c) => c.notNull())
    .addColumn('source_record', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('received_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('events_dedupe', ['integration_id', 'dedupe_key'])
    .execute();

  await db.schema
    .createTable('runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
    .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('integration_version', 'integer', (c) => c.notNull())
    .addColumn('source_record', 'text')
    // pending (behind an earlier run of the same record), queued, running, waiting, failed (will
    // retry), succeeded, dead, cancelled
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('replay_of', 'text')
    .addColumn('outcome', 'text')
    .addColumn('last_error', 'jsonb')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', sql`timestamptz(3)`)
    .addColumn('finished_at', sql`timestamptz(3)`)
    .addColumn('next_attempt_at', sql`timestamptz(3)`)
    .execute();
  await sql`create index runs_integration_state on runs (integration_id, state, seq)`.execute(db);
  await sql`create index runs_lane on runs (integration_id, source_record, seq) where state in ('pending', 'queued', 'running', 'failed', 'waiting')`.execute(
    db,
  );
  await sql`create index runs_event on runs (event_id)`.execute(db);

  await db.schema
    .createTable('run_steps')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('route_key', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull())
    // succeeded, skipped (same content as last written), filtered, failed
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('started_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn('finished_at', sql`timestamptz(3)`, (c) => c.notNull())
    .addColumn('duration_ms', 'double precision', (c) => c.notNull())
    .execute();
  await sql`create index run_steps_run on run_steps (run_id, id)`.execute(db);
  await sql`create unique index run_steps_done on run_steps (run_id, route_key, step_key) where state in ('succeeded', 'skipped')`.execute(
    db,
  );

  await db.schema
    .createTable('record_links')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('step_key', 'text', (c) => c.notNull())
    .addColumn('source_system', 'text', (c) => c.notNull())
    .addColumn('source_id', 'text', (c) => c.notNull())
    .addColumn('target_system', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text')
    .addColumn('content_hash', 'bytea', (c) => c.notNull())
    .addColumn('last_output', 'jsonb')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('record_links_pk', ['integration_id', 'step_key', 'source_id'])
    .execute();

  // Cursors of polling triggers and the small key-value state plugins keep per integration.
  await db.schema
    .createTable('integration_state')
    .addColumn('integration_id', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('integration_state_pk', ['integration_id', 'key'])
    .execute();

  await db.schema
    .createTable('worker_heartbeats')
    .addColumn('worker_pool_id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('seen_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}
