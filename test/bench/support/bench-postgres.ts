import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase, createLogger, migrate, startEmbeddedPostgres } from '@junction/core';
import pg from 'pg';

/** A PostgreSQL server for one bench: DATABASE_URL's, or an embedded one in a temporary folder. */
export interface BenchPostgres {
  /** Which server: `DATABASE_URL` or `embedded PostgreSQL`. */
  readonly server: string;
  /** A new empty database on the server (dropped by `close`); `migrated` runs Junction's migrations. */
  createDatabase(label: string, options?: { migrated?: boolean }): Promise<string>;
  /**
   * With BENCH_PG_STATEMENTS=1, the statements the server ran in the database at `url` so far,
   * by total time (pg_stat_statements; the embedded server loads it then). Otherwise undefined.
   */
  statements(url: string): Promise<StatementTime[] | undefined>;
  /** The server's `autovacuum` setting: a bench on a server without it measures bloat. */
  autovacuum(): Promise<string>;
  close(): Promise<void>;
}

/** One statement's totals from pg_stat_statements. */
export interface StatementTime {
  readonly statement: string;
  readonly calls: number;
  readonly totalMs: number;
  readonly meanMs: number;
  readonly rows: number;
}

const wantStatements = process.env.BENCH_PG_STATEMENTS === '1';

/** Starts (or connects to) the server that a bench's databases live on. */
export async function openBenchPostgres(): Promise<BenchPostgres> {
  const logger = createLogger('silent');
  let serverUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-pg-'));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      logger,
      settings: wantStatements
        ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'top' }
        : {},
    });
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const created: string[] = [];
  const prefix = `junction_bench_${randomBytes(3).toString('hex')}`;
  const statementsReadable =
    wantStatements &&
    (await admin.query('create extension if not exists pg_stat_statements').then(
      () => true,
      (error: Error) => {
        console.warn(`BENCH_PG_STATEMENTS: pg_stat_statements is not loaded (${error.message})`);
        return false;
      },
    ));
  return {
    server: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL',
    async createDatabase(label, options = {}) {
      const name = `${prefix}_${label}`;
      await admin.query(`create database ${name}`);
      created.push(name);
      const url = withDatabase(serverUrl, name);
      if (options.migrated) {
        const database = createDatabase(url, 2);
        try {
          await migrate(database.db, database.pool, logger);
        } finally {
          await database.close();
        }
      }
      return url;
    },
    async statements(url) {
      if (!statementsReadable) return undefined;
      const { rows } = await admin.query<StatementTime>(
        `select left(regexp_replace(s.query, '\\s+', ' ', 'g'), 100) as statement,
                s.calls::int as calls, round(s.total_exec_time::numeric, 1)::float8 as "totalMs",
                round((s.total_exec_time / s.calls)::numeric, 3)::float8 as "meanMs",
                s.rows::int as rows
         from pg_stat_statements s join pg_database d on d.oid = s.dbid
         where d.datname = $1 order by s.total_exec_time desc limit 25`,
        [new URL(url).pathname.slice(1)],
      );
      return rows;
    },
    async autovacuum() {
      const { rows } = await admin.query<{ autovacuum: string }>('show autovacuum');
      const setting = rows[0]?.autovacuum ?? 'unknown';
      if (setting !== 'on')
        console.warn(
          'autovacuum is off on this server: dead rows pile up during the bench, unlike on a real install',
        );
      return setting;
    },
    async close() {
      for (const name of created) {
        await admin.query(`drop database if exists ${name} with (force)`).catch(() => {});
      }
      await admin.end();
      await stopEmbedded?.();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The server URL with another database name. */
export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
