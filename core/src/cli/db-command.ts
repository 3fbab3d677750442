import path from 'node:path';
import { embeddedPostgresLocation } from '../db/embedded-postgres.js';
import { configFromFlags } from './flags.js';

/**
 * `junction db url`: prints the URL of the database Junction uses: DATABASE_URL when set, else
 * the data folder's embedded PostgreSQL (its port is kept, so the URL stays the same from one
 * start to the next). Exits with 1, saying what to do on standard error, when that server is not
 * running (the URL is printed all the same) or has never been created.
 */
export async function dbUrlCommand(options: Record<string, unknown>): Promise<void> {
  const config = configFromFlags(options);
  if (config.databaseUrl) {
    process.stdout.write(`${config.databaseUrl}\n`);
    return;
  }
  const dataDir = path.resolve(config.dataDir);
  const location = embeddedPostgresLocation(dataDir);
  if (!location) {
    process.stderr.write(
      `No embedded PostgreSQL has been created in ${dataDir} yet: start Junction once (npm start, or npx junction start) in this folder, or give the data folder with JUNCTION_DATA_DIR or --data-dir.\n`,
    );
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`${location.url}\n`);
  if (!location.running) {
    process.stderr.write(
      `The embedded PostgreSQL of ${dataDir} is not running: it runs while Junction does. Start Junction (npm start, or npx junction start); the URL above stays the same.\n`,
    );
    process.exitCode = 1;
  }
}
