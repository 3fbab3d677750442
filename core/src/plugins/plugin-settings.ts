import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JunctionConfig } from '../config/config.js';

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
  /**
   * Which plugins run in host processes (`JUNCTION_PLUGIN_ISOLATION`): `installed` (default:
   * installed plugins, but the versions an operator marked trusted), `all`, `none`.
   */
  readonly isolation: 'installed' | 'all' | 'none';
  /** Host processes per isolated plugin version (`JUNCTION_PLUGIN_HOSTS`, default 2). */
  readonly hosts: number;
  /** Memory ceiling of one host in MiB (`JUNCTION_PLUGIN_HOST_MEMORY_MB`, default 512). */
  readonly hostMemoryMb: number;
  /** Idle time after which a host is stopped (`JUNCTION_PLUGIN_HOST_IDLE_MS`, 5 min; 0: never). */
  readonly hostIdleMs: number;
  /** Largest message from a host (`JUNCTION_PLUGIN_HOST_MAX_MESSAGE_BYTES`, default 16 MiB). */
  readonly hostMaxMessageBytes: number;
}

/** The workspace's `plugins/` folder, next to `core/`. */
export function defaultBuiltinDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../plugins');
}

/**
 * Plugin settings from the validated configuration (and overrides, for tests and embedding).
 *
 * @example
 * ```ts
 * const settings = pluginSettings(config, { npmRegistry: 'http://127.0.0.1:4873/' });
 * ```
 */
export function pluginSettings(
  config: Pick<
    JunctionConfig,
    | 'dataDir'
    | 'pluginsDir'
    | 'builtinPluginsDir'
    | 'npmRegistry'
    | 'pluginMaxBytes'
    | 'pluginMaxFiles'
    | 'pluginResyncMs'
    | 'pluginUploadLimitBytes'
    | 'pluginIsolation'
    | 'pluginHosts'
    | 'pluginHostMemoryMb'
    | 'pluginHostIdleMs'
    | 'pluginHostMaxMessageBytes'
  >,
  overrides: Partial<PluginSettings> = {},
): PluginSettings {
  return {
    pluginsDir: path.resolve(config.pluginsDir ?? path.join(config.dataDir, 'plugins')),
    builtinDir: path.resolve(config.builtinPluginsDir ?? defaultBuiltinDir()),
    npmRegistry: config.npmRegistry,
    maxBytes: config.pluginMaxBytes,
    maxFiles: config.pluginMaxFiles,
    resyncMs: config.pluginResyncMs,
    uploadLimitBytes: config.pluginUploadLimitBytes,
    isolation: config.pluginIsolation,
    hosts: config.pluginHosts,
    hostMemoryMb: config.pluginHostMemoryMb,
    hostIdleMs: config.pluginHostIdleMs,
    hostMaxMessageBytes: config.pluginHostMaxMessageBytes,
    ...overrides,
  };
}

/**
 * Where an installed version runs: `isolated` (plugin hosts) unless the operator trusted that
 * exact version; `JUNCTION_PLUGIN_ISOLATION=all` isolates every version, `none` none.
 */
export function installIsolation(
  settings: Pick<PluginSettings, 'isolation'>,
  trusted: boolean,
): 'trusted' | 'isolated' {
  if (settings.isolation === 'all') return 'isolated';
  return settings.isolation === 'none' || trusted ? 'trusted' : 'isolated';
}
