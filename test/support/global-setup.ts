import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import {
  createDatabase,
  createLogger,
  migrate,
  startEmbeddedPostgres,
} from '../../core/src/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL server where tests may create databases. */
    pgServerUrl: string;
    /** A database migrated once, cloned for each test file. */
    pgTemplate: string;
    /** Prefix of every database this run creates, so teardown can drop them. */
    pgRunPrefix: string;
  }
}

/**
 * Once per `vitest run`: a PostgreSQL server (DATABASE_URL's, or an embedded one in a temporary
 * folder) and a template database with every migration applied.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn');
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let dataDir: string | undefined;
  if (!serverUrl) {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'junction-test-pg-'));
    const embedded = await startEmbeddedPostgres({ dataDir, logger });
    serverUrl = embedded.url;
    stopEmbedded = () => embedded.stop();
  }
  const prefix = `jt_${randomBytes(4).toString('hex')}`;
  const template = `${prefix}_template`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${template}`);
  const database = createDatabase(withDatabase(serverUrl, template), 4);
  await migrate(database.db, database.pool, logger);
  await database.close();

  project.provide('pgServerUrl', serverUrl);
  project.provide('pgTemplate', template);
  project.provide('pgRunPrefix', prefix);

  return async () => {
    const { rows } = await admin.query<{ datname: string }>(
      'select datname from pg_database where datname like $1',
      [`${prefix}_%`],
    );
    for (const { datname } of rows) {
      await admin.query(`drop database if exists ${datname} with (force)`);
    }
    await admin.end();
    await stopEmbedded?.();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  };
}

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
