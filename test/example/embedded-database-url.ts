import { runningEmbeddedPostgresUrl } from '../../core/src/db/embedded-postgres.js';

/**
 * The URL of the embedded PostgreSQL that `npm start` runs for the data folder `dataDir`. Throws
 * a sentence saying what to do when no such server is running.
 */
export function embeddedDatabaseUrl(dataDir: string): string {
  const url = runningEmbeddedPostgresUrl(dataDir);
  if (url === undefined)
    throw new Error(
      `No running embedded PostgreSQL under ${dataDir}: start Junction with npm start, or set ERP_DATABASE_URL.`,
    );
  return url;
}
