import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS } from '@junction/registry';

/** How plugins are found, fetched, limited and kept in sync in one process. */
export interface PluginSettings {
  /** Installed plugins live under `<pluginsDir>/<id>/<version>/` (default `<dataDir>/plugins`). */
  readonly pluginsDir: string;
  /** Built-in plugins: every package folder here (default: the workspace's `plugins/`). */
  readonly builtinDir: string;
  /** npm registry for `npm` sources (`JUNCTION_NPM_REGISTRY`, default the public one). */
  readonly npmRegistry: string;
  /** Largest extracted size of one plugin (`JUNCTION_PLUGIN_MAX_BYTES`, default 50 MiB). */
  readonly maxBytes: number;
  /** Most entries in one plugin tarball (`JUNCTION_PLUGIN_MAX_FILES`, default 2000). */
  readonly maxFiles: number;
  /** Fallback re-sync period behind LISTEN/NOTIFY (`JUNCTION_PLUGIN_RESYNC_MS`, default 30 s). */
  readonly resyncMs: number;
  /** Largest upload accepted by `POST /v1/plugins/upload` (default 50 MiB). */
  readonly uploadLimitBytes: number;
}

/** The workspace's `plugins/` folder, next to `core/`. */
export function defaultBuiltinDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../plugins');
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n > 0 ? n : fallback;
}

/**
 * Plugin settings from the environment (and overrides), with defaults.
 *
 * @example
 * ```ts
 * const settings = pluginSettings(config.dataDir, process.env, { npmRegistry: 'http://127.0.0.1:4873/' });
 * ```
 */
export function pluginSettings(
  dataDir: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  overrides: Partial<PluginSettings> = {},
): PluginSettings {
  return {
    pluginsDir: path.resolve(env.JUNCTION_PLUGINS_DIR || path.join(dataDir, 'plugins')),
    builtinDir: path.resolve(env.JUNCTION_BUILTIN_PLUGINS_DIR || defaultBuiltinDir()),
    npmRegistry: env.JUNCTION_NPM_REGISTRY || 'https://registry.npmjs.org/',
    maxBytes: positive(env.JUNCTION_PLUGIN_MAX_BYTES, DEFAULT_LIMITS.maxBytes),
    maxFiles: positive(env.JUNCTION_PLUGIN_MAX_FILES, DEFAULT_LIMITS.maxFiles),
    resyncMs: positive(env.JUNCTION_PLUGIN_RESYNC_MS, 30_000),
    uploadLimitBytes: positive(env.JUNCTION_PLUGIN_UPLOAD_LIMIT_BYTES, 50 * 1024 * 1024),
    ...overrides,
  };
}
