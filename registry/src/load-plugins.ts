import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isPluginError, PluginError } from './plugin-error.js';
import { type LoadedPlugin, type VerifyOptions, verifyPlugin } from './verify-plugin.js';

/** One plugin that did not load, and why. */
export interface PluginLoadFailure {
  /** What was being loaded: `<id>@<version>` or a folder. */
  readonly name: string;
  readonly error: PluginError;
}

/** The outcome of loading many plugins: never throws on the first bad one. */
export interface LoadPluginsResult {
  readonly loaded: LoadedPlugin[];
  readonly failed: PluginLoadFailure[];
}

/**
 * Loads each item with `load`, collecting failures instead of throwing. A second plugin with
 * an id already loaded fails with kind `id-clash` (first one wins).
 *
 * @example
 * ```ts
 * const { loaded, failed } = await loadPlugins(rows, (r) => `${r.id}@${r.version}`, (r) => store.materialise(r));
 * ```
 */
export async function loadPlugins<T>(
  items: readonly T[],
  name: (item: T) => string,
  load: (item: T) => Promise<LoadedPlugin>,
): Promise<LoadPluginsResult> {
  const loaded: LoadedPlugin[] = [];
  const failed: PluginLoadFailure[] = [];
  const owners = new Map<string, string>();
  for (const item of items) {
    try {
      const plugin = await load(item);
      const owner = owners.get(plugin.id);
      if (owner !== undefined && owner !== plugin.packageName) {
        throw new PluginError(
          'id-clash',
          `The connector id "${plugin.id}" is already taken by the package ${owner}.`,
        );
      }
      owners.set(plugin.id, plugin.packageName);
      loaded.push(plugin);
    } catch (error) {
      failed.push({ name: name(item), error: asPluginError(error) });
    }
  }
  return { loaded, failed };
}

/**
 * Loads the built-in plugins: every folder under `folder` whose package.json has a `junction`
 * block (their manifest is generated when the folder has none). A folder that fails is listed
 * in `failed` with its error; the others load.
 *
 * @example
 * ```ts
 * const { loaded, failed } = await loadBuiltinPlugins('/app/plugins');
 * ```
 */
export async function loadBuiltinPlugins(
  folder: string,
  options: Pick<VerifyOptions, 'importConnector'> = {},
): Promise<LoadPluginsResult> {
  const root = resolve(folder);
  if (!existsSync(root)) return { loaded: [], failed: [] };
  const dirs: string[] = [];
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    const pkg = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (pkg?.includes('"junction"')) dirs.push(dir);
  }
  return loadPlugins(
    dirs,
    (dir) => dir,
    (dir) => verifyPlugin(dir, { requireManifest: false, ...options }),
  );
}

/** Wraps anything thrown while loading into a `PluginError` (kind `load-failed`). */
export function asPluginError(error: unknown): PluginError {
  if (isPluginError(error)) return error;
  return new PluginError('load-failed', error instanceof Error ? error.message : String(error), {
    cause: error,
  });
}
