import type { Selectable } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { createDatabase, type JunctionDatabase } from '../../core/src/db/create-database.js';
import type { RunsTable } from '../../core/src/db/tables/run-tables.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/**
 * A fresh migrated database for the calling test file, opened as Junction opens its own (created
 * before its tests, dropped after them). Returns a getter, valid once the tests run.
 */
export function useJunctionDatabase(poolSize = 4): () => JunctionDatabase {
  let testDb: TestDatabase | undefined;
  let database: JunctionDatabase | undefined;
  beforeAll(async () => {
    testDb = await createTestDatabase();
    database = createDatabase(testDb.url, poolSize);
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });
  return () => {
    if (!database) throw new Error('useJunctionDatabase: the database is open only inside tests');
    return database;
  };
}

/** A run and its event, stored as ingestion stores them (in state `state` after `attempts`). */
export async function insertRun(
  database: JunctionDatabase,
  run: {
    integrationId: string;
    id: string;
    sourceRecord: string | null;
    state: string;
    attempts: number;
    /** The job that claimed it (a `running` run). */
    jobId?: string;
  },
): Promise<Selectable<RunsTable>> {
  await database.pool.query(
    `insert into events (id, integration_id, integration_version, dedupe_key, source_record, data)
     values ($1, $2, 1, $1, $3, $4)`,
    [`evt_${run.id}`, run.integrationId, run.sourceRecord, JSON.stringify({ id: run.id })],
  );
  const { rows } = await database.pool.query<Selectable<RunsTable>>(
    `insert into runs (id, event_id, integration_id, integration_version, source_record, state, attempts, max_attempts, job_id)
     values ($1, $2, $3, 1, $4, $5, $6, 5, $7) returning *`,
    [
      run.id,
      `evt_${run.id}`,
      run.integrationId,
      run.sourceRecord,
      run.state,
      run.attempts,
      run.jobId ?? null,
    ],
  );
  return rows[0] as Selectable<RunsTable>;
}
