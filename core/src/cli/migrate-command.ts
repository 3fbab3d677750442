import { createLogger } from '../log/create-logger.js';
import { configFromFlags } from './flags.js';
import { openCommandDatabase } from './open-command-database.js';

/**
 * `junction migrate [--grant <role>]`: applies pending migrations (as the owner of Junction's
 * tables) and exits; with `--grant`, grants `role` what Junction's processes need and no more.
 */
export async function migrateCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const grant = typeof options.grant === 'string' ? options.grant : undefined;
  const { applied, close } = await openCommandDatabase(config, logger, 'migrate', grant);
  try {
    process.stdout.write(
      applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'The database is up to date.\n',
    );
    if (grant) {
      process.stdout.write(
        `Granted "${grant}" what Junction's processes need; set DATABASE_URL to connect as it.\n`,
      );
    }
  } finally {
    await close();
  }
}
