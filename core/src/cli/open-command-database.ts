import type { JunctionConfig } from '../config/config.js';
import { createDatabase, type JunctionDatabase } from '../db/create-database.js';
import { startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { migrate } from '../db/migrate.js';
import type { Logger } from '../log/create-logger.js';

/** A one-shot command's database, migrated, and how to let it go. */
export interface CommandDatabase {
  readonly database: JunctionDatabase;
  /** The server it is on: DATABASE_URL, or the embedded PostgreSQL's. */
  readonly url: string;
  /** The migrations this opening applied. */
  readonly applied: readonly string[];
  /** Closes the pool and stops the embedded PostgreSQL if this started it. */
  close(): Promise<void>;
}

/**
 * Opens the database a CLI command works on, as `junction start` does (DATABASE_URL, else the
 * embedded PostgreSQL in the data folder), with two connections and the configured connect
 * timeout, and applies pending migrations.
 */
export async function openCommandDatabase(
  config: JunctionConfig,
  logger: Logger,
): Promise<CommandDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const url = config.databaseUrl ?? (embedded?.url as string);
  const database = createDatabase(url, 2, config.databaseConnectTimeoutMs);
  const close = async () => {
    await database.close();
    await embedded?.stop();
  };
  try {
    const { applied } = await migrate(database.db, database.pool, logger);
    return { database, url, applied, close };
  } catch (error) {
    await close();
    throw error;
  }
}
