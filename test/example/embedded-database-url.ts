import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The URL of the embedded PostgreSQL that `npm start` runs for the data folder `dataDir`: its
 * password from `embedded-postgres.json`, its port from the server's `postmaster.pid`, in the
 * database folder that file names (elsewhere than `<dataDir>/postgres` when Junction runs as
 * root). Throws a sentence saying what to do when no such server is running.
 */
export function embeddedDatabaseUrl(dataDir: string): string {
  try {
    const { password, databaseDir } = JSON.parse(
      readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
    ) as { password: string; databaseDir?: string };
    const port = readFileSync(
      path.join(databaseDir ?? path.join(dataDir, 'postgres'), 'postmaster.pid'),
      'utf8',
    )
      .split('\n')[3]
      ?.trim();
    if (!port) throw new Error('no port in postmaster.pid');
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  } catch {
    throw new Error(
      `No running embedded PostgreSQL under ${dataDir}: start Junction with npm start, or set ERP_DATABASE_URL.`,
    );
  }
}
