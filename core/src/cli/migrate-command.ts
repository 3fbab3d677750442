import { createLogger } from '../log/create-logger.js';
import { configFromFlags } from './flags.js';
import { openCommandDatabase } from './open-command-database.js';

/** `junction migrate`: applies pending migrations and exits. */
export async function migrateCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  const { applied, close } = await openCommandDatabase(config, logger, 'migrate');
  try {
    process.stdout.write(
      applied.length
        ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n`
        : 'The database is up to date.\n',
    );
  } finally {
    await close();
  }
}
