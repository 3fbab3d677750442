import type { ConnectorDefinition, ConnectorManifest } from '@junction/connector-kit';
import type { LoadedPlugin, PluginErrorKind } from '@junction/registry';
import semver from 'semver';

/** A connector the engine can use: one loaded, enabled plugin version. */
export interface CatalogueConnector {
  readonly id: string;
  readonly version: string;
  readonly definition: ConnectorDefinition;
  readonly manifest: ConnectorManifest;
  readonly source: 'builtin' | 'installed';
  /** Set when its code runs in plugin hosts (see ResolvedConnector). */
  readonly isolated?: { readonly dir: string; readonly entry: string; readonly importTag?: string };
}

/**
 * Where a plugin version's code runs: `trusted` in Junction's process, `isolated` in plugin host
 * processes (see docs/security.md).
 */
export type PluginIsolation = 'trusted' | 'isolated';

/** What this process knows of one plugin version (loaded or not). */
export interface CatalogueEntry {
  readonly id: string;
  readonly version: string;
  readonly packageName: string;
  readonly source: 'builtin' | 'installed';
  readonly isolation: PluginIsolation;
  readonly enabled: boolean;
  readonly status: 'loaded' | 'failed' | 'disabled';
  readonly error?: { readonly kind: PluginErrorKind; readonly message: string };
  readonly manifest?: ConnectorManifest;
  readonly integrity?: string;
  /** Present when loaded. */
  readonly plugin?: LoadedPlugin;
}

/**
 * The connectors loaded in this process, kept in step with the database. The engine asks it for
 * connectors; it is structurally a `ConnectorSource` (`get`, `versions`).
 *
 * @example
 * ```ts
 * const acme = junction.plugins.catalogue.getConnector('acme-crm'); // newest enabled version
 * ```
 */
export interface PluginCatalogue {
  /** An enabled, loaded version (`version` exact, or the newest when omitted). */
  getConnector(id: string, version?: string): CatalogueConnector | undefined;
  /** Same as `getConnector` (the engine's `ConnectorSource` name). */
  get(id: string, version?: string): CatalogueConnector | undefined;
  /** Enabled, loaded versions of `id`, newest first. */
  versions(id: string): readonly string[];
  /** Every entry, loaded or not, by id then newest version first. */
  list(): readonly CatalogueEntry[];
  /** The built-in plugin that owns `id`, if any. */
  builtinOwner(id: string): string | undefined;
}

/** The mutable catalogue behind {@link PluginCatalogue}; only plugin sync writes it. */
export interface MutableCatalogue extends PluginCatalogue {
  setBuiltins(entries: readonly CatalogueEntry[]): void;
  setInstalled(entries: readonly CatalogueEntry[]): void;
  installedEntry(id: string, version: string): CatalogueEntry | undefined;
}

const byVersionDesc = (a: CatalogueEntry, b: CatalogueEntry) =>
  a.id === b.id ? semver.rcompare(a.version, b.version) : a.id.localeCompare(b.id);

/** Creates an empty catalogue. */
export function createPluginCatalogue(): MutableCatalogue {
  let builtins: readonly CatalogueEntry[] = [];
  let installed: readonly CatalogueEntry[] = [];
  const usable = (id: string) =>
    [...builtins, ...installed]
      .filter((e) => e.id === id && e.status === 'loaded' && e.plugin)
      .sort(byVersionDesc);
  const toConnector = (e: CatalogueEntry | undefined): CatalogueConnector | undefined =>
    e?.plugin
      ? {
          id: e.id,
          version: e.version,
          definition: e.plugin.connector,
          manifest: e.plugin.manifest,
          source: e.source,
          ...(e.plugin.isolated
            ? {
                isolated: {
                  dir: e.plugin.dir,
                  entry: e.plugin.entry,
                  ...(e.integrity ? { importTag: e.integrity } : {}),
                },
              }
            : {}),
        }
      : undefined;
  const getConnector = (id: string, version?: string) => {
    const list = usable(id);
    return toConnector(version === undefined ? list[0] : list.find((e) => e.version === version));
  };
  return {
    getConnector,
    get: getConnector,
    versions: (id) => usable(id).map((e) => e.version),
    list: () => [...builtins, ...installed].sort(byVersionDesc),
    builtinOwner: (id) => builtins.find((e) => e.id === id)?.packageName,
    setBuiltins(entries) {
      builtins = entries;
    },
    setInstalled(entries) {
      installed = entries;
    },
    installedEntry: (id, version) => installed.find((e) => e.id === id && e.version === version),
  };
}
