import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../data-folder/process-identity.js';
import { postgresUserIds } from './initialise-database-dir.js';

/** A PostgreSQL server process of the embedded database: its pid, and how to stop it. */
export interface Postmaster {
  readonly pid: number;
  /** Fast shutdown (SIGINT: sessions end, a checkpoint is written); resolves once it is gone. */
  stop(): Promise<void>;
}

/** The largest log kept from earlier starts; beyond it the log starts afresh. */
const LOG_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * Runs `postgres` on `databaseDir` in a session of its own (setsid), so that a terminal's Ctrl-C
 * (SIGINT to the foreground process group) reaches Junction only, which drains its steps and then
 * stops the database itself. Its output goes to `logFile`. Resolves once the server accepts
 * connections; rejects with the end of its log if it stops before. Should this process exit
 * without stopping it (a second Ctrl-C, a crash), it is sent SIGINT on the way out.
 */
export async function spawnPostmaster(options: {
  /** The `postgres` program (see embeddedPostgresBinaries). */
  postgres: string;
  databaseDir: string;
  port: number;
  flags: readonly string[];
  logFile: string;
  /** As root, PostgreSQL runs as the `postgres` user. */
  asPostgresUser: boolean;
}): Promise<Postmaster> {
  const { databaseDir, logFile } = options;
  const fresh = !existsSync(logFile) || statSync(logFile).size > LOG_LIMIT_BYTES;
  const log = openSync(logFile, fresh ? 'w' : 'a');
  const from = fresh ? 0 : statSync(logFile).size;
  const child = (() => {
    try {
      return spawn(
        options.postgres,
        ['-D', databaseDir, '-p', String(options.port), ...options.flags],
        {
          detached: true,
          stdio: ['ignore', log, log],
          env: { ...process.env, LC_MESSAGES: 'C' },
          ...(options.asPostgresUser ? postgresUserIds() : {}),
        },
      );
    } finally {
      closeSync(log);
    }
  })();
  child.unref();
  // A program that cannot be started (not executable by its user) ends as an exit would.
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const pid = child.pid as number;
  const onExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  let gone = false;
  void exited.then(() => {
    gone = true;
    process.removeListener('exit', onExit);
  });
  process.once('exit', onExit);

  const deadline = Date.now() + 120_000;
  while (serverStatus(databaseDir, pid) !== 'ready') {
    if (gone || Date.now() > deadline) {
      if (!gone) onExit();
      throw new Error(
        spawnError
          ? `The embedded PostgreSQL could not be started (${options.postgres}): ${spawnError.message}`
          : `The embedded PostgreSQL did not start (its log, ${logFile}, ends with):\n${logTail(logFile, from)}`,
        { cause: spawnError },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  let stopping: Promise<void> | undefined;
  return {
    pid,
    stop() {
      // The child is unref'd: the timer keeps this process alive until the server is gone.
      stopping ??= new Promise<void>((resolve) => {
        if (gone) return resolve();
        const force = setTimeout(() => process.kill(pid, 'SIGQUIT'), 60_000);
        void exited.then(() => {
          clearTimeout(force);
          resolve();
        });
        onExit();
      });
      return stopping;
    },
  };
}

/**
 * Stops a server this process did not start (left running by a killed Junction): SIGINT, then
 * waits for it to be gone.
 */
export async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 60_000;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isProcessAlive(pid)) process.kill(pid, 'SIGQUIT');
}

/**
 * The pid of the server running on `databaseDir` (from its `postmaster.pid`), when that process
 * lives and is a PostgreSQL server (a pid file left by a crash may name a process that has since
 * taken its number).
 */
export function runningPostmasterPid(databaseDir: string): number | undefined {
  const pid = Number.parseInt(pidFileLines(databaseDir)[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  try {
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres')) return undefined;
  } catch {
    // no /proc: trust the pid file
  }
  return pid;
}

/** `ready` once the server `pid` accepts connections (the status line of `postmaster.pid`). */
export function serverStatus(databaseDir: string, pid?: number): string | undefined {
  const lines = pidFileLines(databaseDir);
  if (pid !== undefined && lines[0]?.trim() !== String(pid)) return undefined;
  return lines[7]?.trim();
}

function pidFileLines(databaseDir: string): string[] {
  try {
    return readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return [];
  }
}

function logTail(logFile: string, from: number): string {
  try {
    const text = readFileSync(logFile, 'utf8').slice(from);
    return text.split('\n').slice(-15).join('\n').trim();
  } catch {
    return '(no log)';
  }
}
