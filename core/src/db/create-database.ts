import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { createPool } from './create-pool.js';
import type { Database } from './schema.js';

// timestamptz and bigint arrive as Date and string; int8 counts we read are parsed explicitly.

export interface JunctionDatabase {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** Opens a pool on `connectionString` and a typed Kysely instance over it. */
export function createDatabase(connectionString: string, poolSize = 20): JunctionDatabase {
  const pool = createPool(connectionString, { size: poolSize, applicationName: 'junction' });
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
