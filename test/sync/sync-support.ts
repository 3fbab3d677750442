import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, expect } from 'vitest';
import { apiOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The MariaDB the sync tests use (the mysql connector's test server). */
export const MARIADB = {
  host: '127.0.0.1',
  port: 3306,
  user: 'root',
  password: '',
  database: 'test',
};

/** Whether MariaDB answers on 127.0.0.1:3306. */
export async function mariadbAvailable(): Promise<boolean> {
  try {
    const db = await mysql.createConnection({ ...MARIADB, connectTimeout: 2_000 });
    await db.end();
    return true;
  } catch {
    console.log('MariaDB not reachable on 127.0.0.1:3306: its sync tests are skipped');
    return false;
  }
}

/** A table name private to one test. */
export const tableName = (prefix: string) => `${prefix}_${randomBytes(4).toString('hex')}`;

/**
 * A test Junction, a PostgreSQL "CRM" database of its own and connections to it (postgres) and
 * to MariaDB (mysql), made through the API; closed after the file.
 */
export function useSyncJunction(env: Record<string, string> = {}) {
  const held: {
    t?: TestJunction;
    crm?: TestDatabase;
    crmPool?: pg.Pool;
    pgConnection?: string;
    mysqlConnection?: string;
  } = {};
  beforeAll(async () => {
    held.t = await startTestJunction({ JUNCTION_WORKER_POLL_INTERVAL_MS: '100', ...env });
    held.crm = await createTestDatabase();
    held.crmPool = new pg.Pool({ connectionString: held.crm.url, max: 2 });
    const api = apiOf(held.t);
    const pgConn = await api.post('/v1/connections', {
      name: 'CRM',
      connector: 'postgres',
      credentials: { connectionString: held.crm.url },
    });
    expect(pgConn.status, JSON.stringify(pgConn.body)).toBe(201);
    held.pgConnection = pgConn.body.id;
    const myConn = await api.post('/v1/connections', {
      name: 'ERP',
      connector: 'mysql',
      credentials: MARIADB,
    });
    expect(myConn.status, JSON.stringify(myConn.body)).toBe(201);
    held.mysqlConnection = myConn.body.id;
  });
  afterAll(async () => {
    await held.crmPool?.end();
    await held.t?.close();
    await held.crm?.drop();
  });
  return {
    get t() {
      return held.t as TestJunction;
    },
    get crm() {
      return held.crm as TestDatabase;
    },
    get pgConnection() {
      return held.pgConnection as string;
    },
    get mysqlConnection() {
      return held.mysqlConnection as string;
    },
    /** A statement on the CRM database. */
    async pg(text: string, values: unknown[] = []) {
      return (await (held.crmPool as pg.Pool).query(text, values)).rows;
    },
  };
}

/** A statement on MariaDB (UTC session). */
export async function maria(text: string, values: unknown[] = []) {
  const db = await mysql.createConnection({ ...MARIADB, dateStrings: true });
  try {
    await db.query("set time_zone = '+00:00'");
    const [rows] = await db.query(text, values);
    return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
  } finally {
    await db.end();
  }
}
