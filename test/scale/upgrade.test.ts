import { randomBytes } from 'node:crypto';
import { runMigrations } from 'graphile-worker';
import { Migrator } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createDatabase, type JunctionDatabase } from '../../core/src/db/create-database.js';
import { createGraphileLogger } from '../../core/src/db/graphile-logger.js';
import { migrate } from '../../core/src/db/migrate.js';
import { migrations } from '../../core/src/db/migrations/index.js';
import { createLogger } from '../../core/src/log/create-logger.js';
import { withDatabase } from '../support/global-setup.js';
import { seedGrownDatabase } from '../support/grown-database.js';

/**
 * An install of the schema before the hot-path indexes and retention (up to 0014), with two
 * months of history, upgraded to the latest schema: every row is still there, record links keep
 * their identity under their reordered key, and the new indexes exist.
 */
const name = `${inject('pgRunPrefix')}_upgrade_${randomBytes(4).toString('hex')}`;
let database: JunctionDatabase;
const logger = createLogger('silent');

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  database = createDatabase(withDatabase(inject('pgServerUrl'), name), 2);
});

afterAll(async () => {
  await database?.close();
  const admin = new pg.Client({ connectionString: inject('pgServerUrl') });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.end();
});

/** Every row of the tables the upgrade touches, as one fingerprint per table. */
async function fingerprints(pool: pg.Pool): Promise<Record<string, string>> {
  const tables = {
    record_links:
      'integration_id, step_key, source_id, source_system, target_system, target_id, content_hash, last_output, event_id, created_at, updated_at',
    runs: 'id, seq, event_id, integration_id, state, source_record, finished_at, holds_lane',
    events: 'id, seq, integration_id, dedupe_key, data, received_at',
    run_steps: 'id, run_id, step_key, state, input, output',
    run_waits: 'id, run_id, state',
    review_items: 'id, run_id, state, proposal',
  };
  const result: Record<string, string> = {};
  for (const [table, columns] of Object.entries(tables)) {
    const { rows } = await pool.query<{ n: string; h: string }>(
      `select count(*) as n, md5(string_agg(row(${columns})::text, '|' order by row(${columns})::text)) as h from ${table}`,
    );
    result[table] = `${rows[0]?.n}:${rows[0]?.h}`;
  }
  return result;
}

it('upgrades a seeded database of the previous schema with its data intact', async () => {
  const names = Object.keys(migrations);
  const previous = names[names.indexOf('0015-hot-path-indexes') - 1] as string;
  expect(previous).toBe('0014-lane-holds');
  await runMigrations({ pgPool: database.pool, logger: createGraphileLogger(logger) });
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
  });
  const to = await migrator.migrateTo(previous);
  expect(to.error).toBeUndefined();

  const client = await database.pool.connect();
  try {
    await seedGrownDatabase(client, { rows: 5000, integrations: ['up_a', 'up_b', 'up_c'] });
    // Links that last applied an event (0014's column) keep it.
    await client.query(
      `update record_links set event_id = 'evt_0000' || substr(source_id, 7) where integration_id = 'up_b'`,
    );
  } finally {
    client.release();
  }
  const before = await fingerprints(database.pool);

  const { applied } = await migrate(database.db, database.pool, logger);
  expect(applied).toEqual(names.slice(names.indexOf(previous) + 1));
  expect(await fingerprints(database.pool)).toEqual(before);

  // The links' key is (integration, source record, step) now, and still unique by it: an upsert
  // of an existing link updates it, as the engine's does.
  const { rows: key } = await database.pool.query<{ def: string }>(
    `select pg_get_constraintdef(oid) as def from pg_constraint where conname = 'record_links_pk'`,
  );
  expect(key[0]?.def).toBe('PRIMARY KEY (integration_id, source_id, step_key)');
  const upsert = await database.pool.query(
    `insert into record_links (integration_id, step_key, source_system, source_id, target_system, content_hash)
     values ('up_a', 'write', 'http', 'grown-3', 'postgres', '\\x00')
     on conflict (integration_id, step_key, source_id) do update set content_hash = excluded.content_hash`,
  );
  expect(upsert.rowCount).toBe(1);
  const { rows: counted } = await database.pool.query<{ n: number }>(
    `select count(*)::int as n from record_links where integration_id = 'up_a' and source_id = 'grown-3'`,
  );
  expect(counted[0]?.n).toBe(1);
  const { rows: indexes } = await database.pool.query<{ indexname: string }>(
    `select indexname from pg_indexes where indexname in ('runs_expiry', 'review_items_run') order by 1`,
  );
  expect(indexes.map((i) => i.indexname)).toEqual(['review_items_run', 'runs_expiry']);
  // The tables that grow with traffic are vacuumed and analysed by 2% of their rows: the run
  // tables (0026) and the sync tables (0028).
  const grown = [
    ...['runs', 'run_steps', 'events', 'record_links', 'audit_entries'],
    ...['sync_links', 'sync_cursors', 'sync_conflicts', 'sync_scan_rows', 'sync_drift_items'],
    ...['sync_backfills', 'sync_reconciliations'],
  ];
  const { rows: vacuumed } = await database.pool.query<{ relname: string; reloptions: string[] }>(
    `select relname, reloptions from pg_class where relname = any($1) and relkind = 'r' order by 1`,
    [grown],
  );
  expect(vacuumed.map((t) => t.relname)).toEqual([...grown].sort());
  for (const table of vacuumed)
    expect(table.reloptions).toEqual([
      'autovacuum_vacuum_scale_factor=0.02',
      'autovacuum_vacuum_insert_scale_factor=0.05',
      'autovacuum_analyze_scale_factor=0.02',
    ]);
}, 120_000);
