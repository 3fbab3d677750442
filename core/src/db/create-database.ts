import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

// timestamptz and bigint arrive as Date and string; int8 counts we read are parsed explicitly.

export interface JunctionDatabase {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Opens a pool on `connectionString` and a typed Kysely instance over it. A query waits at most
 * `connectTimeoutMs` for a connection (a new one, or a free one of the pool), so that a database
 * out of reach fails requests in time (503) instead of holding them until the system's TCP
 * timeout, minutes later.
 */
export function createDatabase(
  connectionString: string,
  poolSize = 20,
  connectTimeoutMs = 10_000,
): JunctionDatabase {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    application_name: 'junction',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // An idle client that loses its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      if (!pool.ended) await db.destroy();
    },
  };
}
