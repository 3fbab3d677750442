import { runMigrations } from 'graphile-worker';
import { type Kysely, Migrator } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';
import { createGraphileLogger } from './graphile-logger.js';
import { migrations } from './migrations/index.js';
import type { Database } from './schema.js';

/** One advisory lock serialises every process that migrates the same database. */
const MIGRATION_LOCK_ID = 7_231_001;

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

export interface MigrationResult {
  /** Junction migrations applied by this call, in order. */
  readonly applied: readonly string[];
}

/**
 * Brings the database up to date: graphile-worker's schema, then Junction's migrations.
 * Safe to call from several processes at once: they queue on one advisory lock.
 */
export async function migrate(
  db: Kysely<Database>,
  pool: pg.Pool,
  logger: Logger,
): Promise<MigrationResult> {
  const lockClient = await pool.connect();
  try {
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await runMigrations({ pgPool: pool, logger: createGraphileLogger(logger) });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    const { error, results = [] } = await migrator.migrateToLatest();
    const failed = results.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new MigrationError(
        `Migration ${failed?.migrationName ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
    for (const name of applied) logger.info({ migration: name }, 'migration applied');
    return { applied };
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    lockClient.release();
  }
}

/** Names of Junction migrations this build knows that the database has not applied yet. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
