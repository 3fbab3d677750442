import { createHash, randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { dataFolderOwner, describeOwner } from '../data-folder/data-folder-lock.js';
import { isPortFree } from '../data-folder/is-port-free.js';
import type { Logger } from '../log/create-logger.js';
import { embeddedPostgresBinaries, enterableByOthers } from './embedded-postgres-binaries.js';
import { initialiseDatabaseDir } from './initialise-database-dir.js';
import {
  runningPostmasterPid,
  serverStatus,
  spawnPostmaster,
  stopPostmaster,
} from './postmaster.js';

/** A PostgreSQL server that Junction started itself, under its data folder. */
export interface EmbeddedPostgres {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface Settings {
  password: string;
  /** Where the server's files are: `<dataDir>/postgres`, or elsewhere when run as root (see below). */
  databaseDir?: string;
  /** Chosen on first start and kept, so that a URL saved elsewhere keeps working. */
  port?: number;
}

/**
 * Starts (and on first use initialises) a PostgreSQL server under `<dataDir>/postgres`, on the
 * loopback port chosen on first start and kept in `embedded-postgres.json`. The server runs in a
 * session of its own (see spawnPostmaster) and logs to `<dataDir>/postgres.log`. A server left
 * running by a killed process is stopped first, never one that a live Junction holds the data
 * folder for (see claimDataFolder): then this refuses.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger: Logger;
  /** A port other than the kept one (then kept instead). */
  port?: number;
  /** Server settings (`-c name=value`), over Junction's own. */
  settings?: Readonly<Record<string, string>>;
}): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  await mkdir(dataDir, { recursive: true });
  const owner = dataFolderOwner(dataDir);
  if (owner && owner.pid !== process.pid) throw new Error(`${describeOwner(owner, dataDir)}.`);
  const databaseDir =
    process.getuid?.() === 0
      ? await reachableDatabaseDir(dataDir, logger)
      : path.join(dataDir, 'postgres');
  const leftover = runningPostmasterPid(databaseDir);
  if (leftover !== undefined) {
    logger.warn(
      { pid: leftover },
      'stopping the embedded PostgreSQL that a Junction which did not shut down (killed) left running',
    );
    await stopPostmaster(leftover);
  }
  const settings = await loadSettings(dataDir, databaseDir, options.port);
  const port = settings.port as number;
  if (!(await isPortFree(port)))
    throw new Error(
      `The embedded PostgreSQL's port ${port} on 127.0.0.1 is in use by another program. Junction keeps that port (in ${path.join(dataDir, SETTINGS_FILE)}) so that saved database URLs keep working: stop that program, or remove "port" from that file to have a new port chosen.`,
    );
  const binaries = await embeddedPostgresBinaries(logger);
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await initialiseDatabaseDir({
      initdb: binaries.initdb,
      databaseDir,
      password: settings.password,
      logger,
    });
  }
  const postmaster = await spawnPostmaster({
    postgres: binaries.postgres,
    databaseDir,
    port,
    logFile: path.join(dataDir, 'postgres.log'),
    asPostgresUser: process.getuid?.() === 0,
    flags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
  });
  logger.info({ port, databaseDir, pid: postmaster.pid }, 'embedded PostgreSQL started');
  return { url: urlOf(settings.password, port), port, stop: () => postmaster.stop() };
}

/** Where the embedded PostgreSQL of a data folder is, or will be when Junction starts. */
export interface EmbeddedPostgresLocation {
  readonly url: string;
  /** Whether its server accepts connections now. */
  readonly running: boolean;
}

/**
 * The URL of the embedded PostgreSQL of the data folder `dataDir` (its password and kept port
 * from `embedded-postgres.json`) and whether it runs; undefined before its first start. For the
 * one-shot commands, `junction db url` and tools beside a running Junction.
 */
export function embeddedPostgresLocation(dataDir: string): EmbeddedPostgresLocation | undefined {
  let settings: Settings;
  try {
    settings = JSON.parse(readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8')) as Settings;
  } catch {
    return undefined;
  }
  const databaseDir = settings.databaseDir ?? path.join(dataDir, 'postgres');
  const pid = runningPostmasterPid(databaseDir);
  const status = pid === undefined ? undefined : serverStatus(databaseDir, pid);
  const port = settings.port ?? Number(pidPort(databaseDir));
  if (!Number.isInteger(port) || port <= 0) return undefined;
  return { url: urlOf(settings.password, port), running: status === 'ready' };
}

/** The URL of the embedded PostgreSQL running for `dataDir`, or undefined if none is. */
export function runningEmbeddedPostgresUrl(dataDir: string): string | undefined {
  const location = embeddedPostgresLocation(dataDir);
  return location?.running ? location.url : undefined;
}

/** The port line of a `postmaster.pid` (data folders from before the port was kept). */
function pidPort(databaseDir: string): string | undefined {
  try {
    return readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[3]?.trim();
  } catch {
    return undefined;
  }
}

function urlOf(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** Where the server's password, folder and port are kept, in the data folder. */
const SETTINGS_FILE = 'embedded-postgres.json';

/** The server's password, where its files are and its port, chosen once and kept. */
async function loadSettings(
  dataDir: string,
  databaseDir: string,
  port: number | undefined,
): Promise<Settings> {
  const file = path.join(dataDir, SETTINGS_FILE);
  const known = existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as Settings)
    : undefined;
  if (
    known?.databaseDir === databaseDir &&
    known.port &&
    (port === undefined || port === known.port)
  )
    return known;
  const settings: Settings = {
    password: known?.password ?? randomBytes(18).toString('base64url'),
    databaseDir,
    port: port ?? known?.port ?? (await choosePort()),
  };
  await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return settings;
}

/**
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to reach its files. When
 * the data folder is inside a folder that user cannot enter (a private home such as /root, a
 * mktemp folder), the server's files go to /var/lib/junction (or the system's temporary folder)
 * under a name derived from the data folder, so the same data folder always finds them again.
 */
async function reachableDatabaseDir(dataDir: string, logger: Logger): Promise<string> {
  if (await enterableByOthers(path.dirname(dataDir))) {
    await chmod(dataDir, 0o755);
    return path.join(dataDir, 'postgres');
  }
  const name = `postgres-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  for (const base of ['/var/lib/junction', os.tmpdir()]) {
    try {
      await mkdir(base, { recursive: true, mode: 0o755 });
      if (!(await enterableByOthers(base))) continue;
      const databaseDir = path.join(base, name);
      logger.warn(
        { dataDir, databaseDir },
        'the postgres user cannot enter the data folder (Junction runs as root): the embedded PostgreSQL keeps its files elsewhere',
      );
      return databaseDir;
    } catch {
      // try the next place
    }
  }
  throw new Error(
    `The embedded PostgreSQL runs as the "postgres" user when Junction runs as root, and it cannot reach ${dataDir}. ` +
      'Set JUNCTION_DATA_DIR to a folder that user can enter (for example /var/lib/junction), or set DATABASE_URL.',
  );
}

/**
 * A free port for a new data folder's server, below Linux's range for outgoing connections
 * (32768 and up), where a port kept for years is less likely to be taken by a passing connection.
 */
async function choosePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20_000 + randomInt(12_000);
    if (await isPortFree(port)) return port;
  }
  return freePort();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
