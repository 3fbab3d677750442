import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { embeddedPostgresLocation } from '../../core/src/db/embedded-postgres.js';
import { embeddedDatabaseUrl } from './embedded-database-url.js';

let base: string;
beforeEach(async () => {
  base = await mkdtemp(path.join(os.tmpdir(), 'junction-example-url-'));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

/** A postmaster.pid as PostgreSQL writes it (the port on its fourth line), of a server that is gone. */
const pidFile = (port: number) =>
  `4242\n/var/lib/postgres\n1764400000\n${port}\n/tmp\n127.0.0.1\n  5432001  0\nready\n`;

it('finds the kept port in the settings', async () => {
  const dataDir = path.join(base, '.junction');
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    path.join(dataDir, 'embedded-postgres.json'),
    JSON.stringify({ password: 'p@ss/word', port: 23456 }),
  );
  expect(embeddedPostgresLocation(dataDir)).toEqual({
    url: 'postgres://postgres:p%40ss%2Fword@127.0.0.1:23456/postgres',
    running: false,
  });
});

it('finds the port of a folder from before ports were kept in the database folder the settings name (elsewhere when Junction runs as root)', async () => {
  const dataDir = path.join(base, '.junction');
  const databaseDir = path.join(base, 'var-lib-junction', 'postgres-1');
  await mkdir(dataDir, { recursive: true });
  await mkdir(databaseDir, { recursive: true });
  await writeFile(
    path.join(dataDir, 'embedded-postgres.json'),
    JSON.stringify({ password: 'p@ss/word', databaseDir }),
  );
  await writeFile(path.join(databaseDir, 'postmaster.pid'), pidFile(34567));
  expect(embeddedPostgresLocation(dataDir)).toEqual({
    url: 'postgres://postgres:p%40ss%2Fword@127.0.0.1:34567/postgres',
    running: false, // the pid file's process is gone
  });
});

it('finds it under the data folder when the settings name no folder', async () => {
  const dataDir = path.join(base, '.junction');
  await mkdir(path.join(dataDir, 'postgres'), { recursive: true });
  await writeFile(path.join(dataDir, 'embedded-postgres.json'), JSON.stringify({ password: 'pw' }));
  await writeFile(path.join(dataDir, 'postgres', 'postmaster.pid'), pidFile(40001));
  expect(embeddedPostgresLocation(dataDir)?.url).toBe(
    'postgres://postgres:pw@127.0.0.1:40001/postgres',
  );
});

it('says what to do when no embedded PostgreSQL is running', async () => {
  const dataDir = path.join(base, '.junction');
  await mkdir(dataDir, { recursive: true });
  await writeFile(
    path.join(dataDir, 'embedded-postgres.json'),
    JSON.stringify({ password: 'pw', port: 23456 }),
  );
  expect(() => embeddedDatabaseUrl(dataDir)).toThrow(
    `No running embedded PostgreSQL under ${dataDir}: start Junction with npm start`,
  );
  expect(() => embeddedDatabaseUrl(path.join(base, 'nothing-here'))).toThrow(
    'No running embedded PostgreSQL under',
  );
});
