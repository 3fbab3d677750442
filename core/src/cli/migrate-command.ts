import { createDatabase } from '../db/create-database.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { migrate } from '../db/migrate.js';
import { createLogger } from '../log/create-logger.js';
import { configFromFlags } from './flags.js';

/** `junction migrate`: applies pending migrations and exits. */
export async function migrateCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const database = createDatabase(
    config.databaseUrl ?? (embedded?.url as string),
    2,
    config.databaseConnectTimeoutMs,
  );
  try {
    const { applied } = await migrate(database.db, database.pool, logger);
    process.stdout.write(
      applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'The database is up to date.\n',
    );
  } finally {
    await database.close();
    await embedded?.stop();
  }
}
