import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { create } from 'tar';
import { buildManifest, MANIFEST_FILE } from '../manifest.js';
import { CliError } from './cli-error.js';
import { loadPlugin, readPluginPackage } from './load-plugin.js';
import { rebuildPlugin, refuseStaleBuild } from './rebuild-plugin.js';
import { pluginProblems } from './validate-command.js';

/**
 * The result of {@link packCommand}.
 *
 * @example
 * ```ts
 * const { file, integrity } = await packCommand('.'); // integrity: 'sha512-...'
 * ```
 */
export interface PackResult {
  readonly file: string;
  /** `sha512-<base64>`, as npm and the registry write it. */
  readonly integrity: string;
}

/** npm's fixed mtime, so the same files always give the same tarball and integrity. */
const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');

/**
 * The `sha512-<base64>` integrity of a file's bytes.
 *
 * @example
 * ```ts
 * const integrity = await fileIntegrity('acme-1.0.0.tgz');
 * ```
 */
export async function fileIntegrity(file: string): Promise<string> {
  return `sha512-${createHash('sha512')
    .update(await readFile(file))
    .digest('base64')}`;
}

/**
 * `junction-kit pack [dir]`: rebuilds the plugin from an empty build folder (`npm run build`;
 * with `build: false`, refuses a build older than `src/` instead), validates, writes
 * `junction.manifest.json` from the definition and creates `<name>-<version>.tgz` (entries under
 * `package/`, like npm) in `dir`.
 *
 * @example
 * ```ts
 * const { file, integrity } = await packCommand('.');
 * ```
 */
export async function packCommand(
  dir: string,
  options: { readonly build?: boolean } = {},
): Promise<PackResult> {
  const pkg = await readPluginPackage(dir);
  if (options.build === false) await refuseStaleBuild(dir, pkg);
  else await rebuildPlugin(dir, pkg);
  const plugin = await loadPlugin(dir);
  const problems = pluginProblems(plugin);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path || '/'}: ${p.message}`).join('\n');
    throw new CliError(`The plugin is not valid, nothing was packed:\n${list}`);
  }
  const manifest = buildManifest(plugin.connector);
  await writeFile(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);

  const wanted = new Set(['package.json', MANIFEST_FILE, ...(plugin.pkg.files ?? ['dist'])]);
  for (const name of await readdir(dir)) {
    if (/^(readme|license|licence)(\.|$)/i.test(name)) wanted.add(name);
  }
  const files = [...wanted]
    .map((f) => f.replace(/^\.\//, ''))
    .filter((f) => existsSync(join(dir, f)));
  files.sort();
  const base = plugin.pkg.name.replace(/^@/, '').replace('/', '-');
  const file = resolve(dir, `${base}-${plugin.pkg.version}.tgz`);
  await create(
    { gzip: true, file, cwd: dir, prefix: 'package/', portable: true, mtime: FIXED_MTIME },
    files,
  );
  return { file, integrity: await fileIntegrity(file) };
}
