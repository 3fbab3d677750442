import type pg from 'pg';

/**
 * An enabled integration `id` at version 1 with an empty definition, as bare rows: all that
 * ingestion reads of an integration (for tests and benches of the ingestor itself).
 */
export async function createIntegrationRows(pool: pg.Pool, id: string): Promise<void> {
  await pool.query(
    `insert into integrations (id, name, enabled, current_version, created_by)
       values ($1, $1, true, 1, 'test')`,
    [id],
  );
  await pool.query(
    `insert into integration_versions (integration_id, version, definition, created_by)
       values ($1, 1, '{}', 'test')`,
    [id],
  );
}
