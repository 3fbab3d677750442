import type { JunctionConfig } from '../config/config.js';
import { holdDataFolderForCommand } from '../data-folder/hold-data-folder.js';
import { createDatabase, type JunctionDatabase } from '../db/create-database.js';
import { embeddedPostgresLocation, startEmbeddedPostgres } from '../db/embedded-postgres.js';
import { explainConnectionFailure } from '../db/explain-connection-failure.js';
import { migrate } from '../db/migrate.js';
import type { Logger } from '../log/create-logger.js';

/** A one-shot command's database, migrated, and how to let it go. */
export interface CommandDatabase {
  readonly database: JunctionDatabase;
  /** The server it is on: DATABASE_URL, or the embedded PostgreSQL's. */
  readonly url: string;
  /** The migrations this opening applied. */
  readonly applied: readonly string[];
  /** Closes the pool and, if this command started it, stops the embedded PostgreSQL. */
  close(): Promise<void>;
}

/**
 * Opens the database a CLI command works on, with two connections and the configured connect
 * timeout, and applies pending migrations: DATABASE_URL's; else, when a Junction runs with the
 * data folder, the embedded PostgreSQL it runs (used, never stopped); else the data folder's
 * embedded PostgreSQL, started for the command (which holds the folder meanwhile) and stopped
 * after it. `command` names the command for whoever finds the folder held.
 */
export async function openCommandDatabase(
  config: JunctionConfig,
  logger: Logger,
  command: string,
  /** A role to grant what Junction's processes need, after migrating (`migrate --grant`). */
  grant?: string,
): Promise<CommandDatabase> {
  const stack: Array<() => Promise<void>> = [];
  const close = async () => {
    while (stack.length) await stack.pop()?.();
  };
  try {
    let url = config.databaseUrl;
    if (!url) {
      const folder = await holdDataFolderForCommand(config.dataDir, command, (sentence) =>
        process.stderr.write(`${sentence}\n`),
      );
      if (folder.kind === 'server') {
        url = embeddedPostgresLocation(config.dataDir)?.url;
        if (!url) throw new Error(`No embedded PostgreSQL settings in ${config.dataDir}.`);
        logger.info({ pid: folder.owner.pid }, "using the running Junction's embedded PostgreSQL");
      } else {
        const { lock } = folder;
        stack.push(() => lock.release());
        const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
        stack.push(() => embedded.stop());
        await lock.update({ databasePort: embedded.port });
        url = embedded.url;
      }
    }
    const database = createDatabase(url, 2, config.databaseConnectTimeoutMs);
    stack.push(() => database.close());
    const { applied } = await migrate(database.db, database.pool, logger, {
      auditRetentionDays: config.auditRetentionDays,
      grant,
    }).catch((error: unknown) => {
      throw explainConnectionFailure(
        error,
        url as string,
        config.databaseUrl ? { kind: 'url' } : { kind: 'embedded', dataDir: config.dataDir },
      );
    });
    return { database, url, applied, close };
  } catch (error) {
    await close();
    throw error;
  }
}
