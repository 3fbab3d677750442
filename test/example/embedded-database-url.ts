import { embeddedPostgresLocation } from '../../core/src/db/embedded-postgres.js';

/**
 * The URL of the embedded PostgreSQL that `npm start` runs for the data folder `dataDir` (what
 * `npx junction db url` prints). Throws a sentence saying what to do when no such server is
 * running.
 */
export function embeddedDatabaseUrl(dataDir: string): string {
  const location = embeddedPostgresLocation(dataDir);
  if (!location?.running)
    throw new Error(
      `No running embedded PostgreSQL under ${dataDir}: start Junction with npm start (in this folder, or give its data folder as JUNCTION_DATA_DIR), or set ERP_DATABASE_URL.`,
    );
  return location.url;
}
