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
  close(): Promise<void>;
}

/** Starts (or connects to) the server that a bench's databases live on. */
export async function openBenchPostgres(): Promise<BenchPostgres> {
  const logger = createLogger('silent');
  let serverUrl = process.env.DATABASE_URL;
  let dataDir: string | undefined;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-bench-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir, logger });
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const created: string[] = [];
  const prefix = `junction_bench_${randomBytes(3).toString('hex')}`;
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
