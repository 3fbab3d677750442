import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { CliError } from './cli-error.js';
import type { PluginPackageJson } from './load-plugin.js';

/**
 * The folder the build writes the connector entry into (`dist` for `./dist/index.js`), or
 * `undefined` when the entry does not sit in a folder of its own that may be emptied.
 */
export function buildFolder(dir: string, pkg: PluginPackageJson): string | undefined {
  const entry = pkg.junction?.connector;
  if (entry === undefined) return undefined;
  const first = relative(resolve(dir), resolve(dir, entry)).split(sep)[0];
  if (first === undefined || first === '' || first === '..' || first === 'src') return undefined;
  if (first === relative(resolve(dir), resolve(dir, entry))) return undefined; // the entry is at the top
  return join(resolve(dir), first);
}

/**
 * Empties the build folder and runs the package's `build` script, so that what is packed is
 * exactly what the sources build to now (no file left over from a deleted source, no edit left
 * unbuilt). The build's output goes to standard error.
 *
 * @example
 * ```ts
 * await rebuildPlugin('.', pkg);
 * ```
 */
export async function rebuildPlugin(dir: string, pkg: PluginPackageJson): Promise<void> {
  const script = (pkg as { scripts?: Record<string, string> }).scripts?.build;
  if (!script) {
    throw new CliError(
      'package.json has no "build" script to rebuild the plugin with; add one, or pack what is built with --no-build.',
    );
  }
  const out = buildFolder(dir, pkg);
  if (out !== undefined) await rm(out, { recursive: true, force: true });
  // Under npm, npm_execpath is npm's own script: run that npm, whatever PATH says.
  const npm = process.env.npm_execpath;
  const [command, args] = npm?.endsWith('.js')
    ? [process.execPath, [npm, 'run', 'build']]
    : ['npm', ['run', 'build']];
  const code = await new Promise<number>((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ['ignore', 2, 2] });
    child.once('error', reject);
    child.once('exit', (c, signal) => resolvePromise(c ?? (signal ? 1 : 0)));
  });
  if (code !== 0)
    throw new CliError(`"npm run build" failed (exit code ${code}); nothing was packed.`);
}

async function newest(path: string): Promise<{ file: string; mtimeMs: number } | undefined> {
  if (!existsSync(path)) return undefined;
  const info = await stat(path);
  if (!info.isDirectory()) return { file: path, mtimeMs: info.mtimeMs };
  let best: { file: string; mtimeMs: number } | undefined;
  for (const name of await readdir(path)) {
    const found = await newest(join(path, name));
    if (found && (!best || found.mtimeMs > best.mtimeMs)) best = found;
  }
  return best;
}

/**
 * For `pack --no-build`: refuses when a file under `src/` changed after the newest file of the
 * build folder (the build is older than the sources).
 *
 * @example
 * ```ts
 * await refuseStaleBuild('.', pkg);
 * ```
 */
export async function refuseStaleBuild(dir: string, pkg: PluginPackageJson): Promise<void> {
  const out = buildFolder(dir, pkg);
  const source = await newest(join(resolve(dir), 'src'));
  const built = out === undefined ? undefined : await newest(out);
  if (source && built && source.mtimeMs > built.mtimeMs) {
    throw new CliError(
      `${relative(resolve(dir), source.file)} changed after the last build; run npm run build (or pack without --no-build), nothing was packed.`,
    );
  }
}
