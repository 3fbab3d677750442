import { runMigrations } from 'graphile-worker';
import { type Kysely, Migrator } from 'kysely';
import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';
import { grantRuntimeRole } from './grant-runtime-role.js';
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

export interface MigrateOptions {
  /** JUNCTION_AUDIT_RETENTION_DAYS: written to `audit_policy`, which the audit guard obeys. */
  readonly auditRetentionDays?: number | undefined;
  /** A role to grant what Junction's processes need (`junction migrate --grant <role>`). */
  readonly grant?: string | undefined;
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
  options: MigrateOptions = {},
): Promise<MigrationResult> {
  const lockClient = await pool.connect();
  try {
    await lockClient.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await runMigrations({ pgPool: pool, logger: createGraphileLogger(logger) });
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      // Numbers are reserved per change and land in any order (0018 after 0020): a database
      // migrated by an earlier Junction takes the lower numbers it lacks.
      allowUnorderedMigrations: true,
    });
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
    await applyAuditPolicy(pool, logger, options.auditRetentionDays);
    if (options.grant !== undefined) await grantRuntimeRole(pool, options.grant);
    return { applied };
  } finally {
    await lockClient.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    lockClient.release();
  }
}

/** Names of Junction migrations this build knows that the database has not applied yet. */
export async function pendingMigrations(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Numbers are reserved per change and land in any order (0018 after 0020): a database
    // migrated by an earlier Junction takes the lower numbers it lacks.
    allowUnorderedMigrations: true,
  });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/**
 * Writes the audit retention the operator configured to `audit_policy` when it differs. The
 * runtime role may not write it: then the policy stays as the owner set it at `junction migrate`,
 * and a warning says so.
 */
async function applyAuditPolicy(
  pool: pg.Pool,
  logger: Logger,
  retentionDays: number | undefined,
): Promise<void> {
  const wanted = retentionDays ?? null;
  const { rows } = await pool.query<{ retention_days: number | null }>(
    'select retention_days from audit_policy',
  );
  if ((rows[0]?.retention_days ?? null) === wanted) return;
  try {
    await pool.query('update audit_policy set retention_days = $1', [wanted]);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    logger.warn(
      { configured: wanted, database: rows[0]?.retention_days ?? null },
      'JUNCTION_AUDIT_RETENTION_DAYS differs from the audit policy in the database, which only its owner may change: run `junction migrate` with it as the owner',
    );
  }
}
