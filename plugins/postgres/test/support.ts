import type { ConnectionInfo } from '@junction/connector-kit';
import { createTestContext } from '@junction/connector-kit/testing';
import pg from 'pg';
import connector from '../src/index.js';

/**
 * A test context whose credentials point at `url`, with the given trigger settings
 * (`ctx.settings`) and connection settings.
 */
export function contextFor(
  url: string,
  settings: Record<string, unknown> = {},
  connectionSettings: Record<string, unknown> = {},
) {
  const connection: ConnectionInfo = {
    id: 'conn_pg',
    name: 'Test PostgreSQL',
    settings: connectionSettings,
  };
  return createTestContext({
    auth: connector.auth,
    credentials: { connectionString: url },
    connection,
    settings,
  });
}

/** Runs SQL on the test database with a short-lived client (arranging and checking rows). */
export async function sql<R extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}
