import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT_VERSION } from '../contract-version.js';
import { CliError } from './cli-error.js';
import { scaffoldFiles } from './templates.js';

/**
 * The version of this kit (its package.json), for the range a new plugin depends on.
 *
 * @example
 * ```ts
 * const range = `^${await kitVersion()}`;
 * ```
 */
export async function kitVersion(): Promise<string> {
  // dist/cli/init-command.js (or src/cli/init-command.ts) -> ../../package.json
  const file = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  const pkg = JSON.parse(await readFile(file, 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * `junction-kit init <name>`: scaffolds a plugin package in `dir` (default `./<name>`) and
 * returns the folder. Refuses a non-empty folder.
 *
 * @example
 * ```ts
 * const dir = await initCommand('acme-crm', {});
 * ```
 */
export async function initCommand(name: string, options: { dir?: string }): Promise<string> {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    throw new CliError(
      `"${name}" is not a valid connector name; use lowercase letters, digits and dashes, like "acme-crm".`,
      2,
    );
  }
  const dir = resolve(options.dir ?? name);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new CliError(`${dir} already exists and is not empty; choose another folder.`);
  }
  const title = name
    .split('-')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
  const files = scaffoldFiles({
    id: name,
    title,
    kitRange: `^${await kitVersion()}`,
    contractRange: `^${CONTRACT_VERSION}`,
  });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}
