import { randomBytes } from 'node:crypto';
import type { ConnectionInfo } from '@junction/connector-kit';
import { createTestContext } from '@junction/connector-kit/testing';
import mysql from 'mysql2/promise';
import connector from '../src/index.js';

/** The MariaDB/MySQL these tests use: 127.0.0.1:3306, user root, no password, database `test`. */
export const credentials = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
};

/** Whether the server answers; when not, says so once on the console (the tests are skipped). */
export async function mysqlAvailable(): Promise<boolean> {
  try {
    const db = await mysql.createConnection({ ...credentials, connectTimeout: 2_000 });
    await db.end();
    return true;
  } catch (thrown) {
    console.log(
      `MariaDB not reachable on 127.0.0.1:3306: skipped (${thrown instanceof Error ? thrown.message : String(thrown)})`,
    );
    return false;
  }
}

/** A table name private to one test file. */
export function tableName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/**
 * A test context on the test server, with the given trigger settings (`ctx.settings`), extra
 * credentials and connection settings.
 */
export function contextFor(
  settings: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
  connectionSettings: Record<string, unknown> = {},
) {
  const connection: ConnectionInfo = {
    id: 'conn_mysql',
    name: 'Test MariaDB',
    settings: connectionSettings,
  };
  return createTestContext({
    auth: connector.auth,
    credentials: { ...credentials, ...extra },
    connection,
    settings,
  });
}

/** Runs one statement on the test server (arranging and checking rows). */
export async function sql(text: string, params: unknown[] = []): Promise<mysql.RowDataPacket[]> {
  const db = await mysql.createConnection({ ...credentials, dateStrings: true });
  try {
    await db.query("set time_zone = '+00:00'");
    const [rows] = await db.query(text, params);
    return Array.isArray(rows) ? (rows as mysql.RowDataPacket[]) : [];
  } finally {
    await db.end();
  }
}
