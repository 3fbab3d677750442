import type { ConnectorDefinition, ConnectorManifest } from '@junction/connector-kit';
import {
  asPluginError,
  type ImportRequest,
  type LoadedPlugin,
  loadBuiltinPlugins,
  loadPlugins,
  type PluginStore,
} from '@junction/registry';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import type { CatalogueEntry, MutableCatalogue } from './plugin-catalogue.js';

/** Dependencies of the sync between the database and this process's catalogue. */
export interface PluginSyncDeps {
  readonly db: Kysely<Database>;
  readonly store: PluginStore;
  readonly catalogue: MutableCatalogue;
  readonly logger: Logger;
  /** Imports plugin code in a plugin host; when absent, in this process. */
  readonly importConnector?: (request: ImportRequest) => Promise<ConnectorDefinition>;
  /** Whether the built-in plugins run in plugin hosts too (`JUNCTION_PLUGIN_ISOLATION=all`). */
  readonly isolateBuiltins?: boolean;
  /** Whether versions an operator trusted run in-process (false under `all`); default true. */
  readonly trustMarks?: boolean;
}

/** Loads the built-in plugins into the catalogue; a bad one is listed as failed and logged. */
export async function syncBuiltins(deps: PluginSyncDeps, folder: string): Promise<void> {
  const { loaded, failed } = await loadBuiltinPlugins(
    folder,
    deps.isolateBuiltins && deps.importConnector ? { importConnector: deps.importConnector } : {},
  );
  const entries: CatalogueEntry[] = loaded.map((plugin) => ({
    id: plugin.id,
    version: plugin.version,
    packageName: plugin.packageName,
    source: 'builtin',
    isolation: plugin.isolated ? 'isolated' : 'trusted',
    enabled: true,
    status: 'loaded',
    manifest: plugin.manifest,
    plugin,
  }));
  for (const failure of failed) {
    deps.logger.warn(
      { plugin: failure.name, kind: failure.error.kind, err: failure.error.message },
      'built-in plugin failed to load',
    );
  }
  deps.catalogue.setBuiltins(entries);
}

/**
 * Brings this process in step with the database: materialises and loads every enabled install
 * it has not loaded yet (extracting the stored tarball when the folder is missing), drops what
 * was removed, and records a load failure (or recovery) on the row. Never throws for one bad
 * plugin: it is marked failed and the others load.
 */
export async function syncInstalled(deps: PluginSyncDeps): Promise<void> {
  const { db, store, catalogue, logger } = deps;
  const isolationOf = (row: { trusted: boolean }) =>
    deps.importConnector && !(row.trusted && deps.trustMarks !== false)
      ? ('isolated' as const)
      : ('trusted' as const);
  const rows = await db
    .selectFrom('plugin_installs')
    .select([
      'id',
      'version',
      'package_name',
      'integrity',
      'enabled',
      'trusted',
      'status',
      'error',
      'manifest',
    ])
    .orderBy('installed_at')
    .execute();

  const entries: CatalogueEntry[] = [];
  const toLoad: typeof rows = [];
  for (const row of rows) {
    const base = {
      id: row.id,
      version: row.version,
      packageName: row.package_name,
      source: 'installed' as const,
      isolation: isolationOf(row),
      enabled: row.enabled,
      integrity: row.integrity,
      manifest: row.manifest as ConnectorManifest,
    };
    const owner = catalogue.builtinOwner(row.id);
    if (owner) {
      entries.push({
        ...base,
        status: 'failed',
        error: {
          kind: 'id-clash',
          message: `The id "${row.id}" belongs to the built-in ${owner}.`,
        },
      });
    } else if (!row.enabled) {
      entries.push({ ...base, status: 'disabled' });
    } else {
      const current = catalogue.installedEntry(row.id, row.version);
      if (
        current?.plugin &&
        current.integrity === row.integrity &&
        current.isolation === isolationOf(row)
      )
        entries.push(current);
      else toLoad.push(row);
    }
  }

  const rowsByName = new Map(toLoad.map((r) => [`${r.id}@${r.version}`, r]));
  const { loaded, failed } = await loadPlugins(
    toLoad,
    (r) => `${r.id}@${r.version}`,
    (r) =>
      store.materialise({
        id: r.id,
        version: r.version,
        integrity: r.integrity,
        inProcess: isolationOf(r) === 'trusted',
        bytes: async () =>
          (
            await db
              .selectFrom('plugin_installs')
              .select('tarball')
              .where('id', '=', r.id)
              .where('version', '=', r.version)
              .executeTakeFirstOrThrow()
          ).tarball,
      }),
  );
  for (const plugin of loaded) {
    const row = rowsByName.get(`${plugin.id}@${plugin.version}`);
    if (!row) continue;
    entries.push(loadedEntry(plugin, row.integrity));
    if (row.status !== 'loaded') await setStatus(db, row.id, row.version, null);
  }
  for (const failure of failed) {
    const row = rowsByName.get(failure.name);
    if (!row) continue;
    const error = { kind: failure.error.kind, message: failure.error.message };
    logger.warn({ plugin: failure.name, ...error }, 'plugin failed to load');
    entries.push({
      id: row.id,
      version: row.version,
      packageName: row.package_name,
      source: 'installed',
      isolation: isolationOf(row),
      enabled: true,
      status: 'failed',
      error,
      integrity: row.integrity,
      manifest: row.manifest as ConnectorManifest,
    });
    if (row.status !== 'failed') await setStatus(db, row.id, row.version, error);
  }

  const keep = new Set(rows.map((r) => `${r.id}@${r.version}`));
  const gone = catalogue
    .list()
    .filter((e) => e.source === 'installed' && !keep.has(`${e.id}@${e.version}`));
  catalogue.setInstalled(entries);
  for (const entry of gone) {
    await store.remove(entry.id, entry.version).catch((error: unknown) => {
      logger.warn(
        { plugin: `${entry.id}@${entry.version}`, err: asPluginError(error).message },
        'removing plugin files failed',
      );
    });
  }
}

function loadedEntry(plugin: LoadedPlugin, integrity: string): CatalogueEntry {
  return {
    id: plugin.id,
    version: plugin.version,
    packageName: plugin.packageName,
    source: 'installed',
    isolation: plugin.isolated ? 'isolated' : 'trusted',
    enabled: true,
    status: 'loaded',
    integrity,
    manifest: plugin.manifest,
    plugin,
  };
}

async function setStatus(
  db: Kysely<Database>,
  id: string,
  version: string,
  error: { kind: string; message: string } | null,
): Promise<void> {
  await db
    .updateTable('plugin_installs')
    .set({
      status: error ? 'failed' : 'loaded',
      error: error ? JSON.stringify(error) : null,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .where('version', '=', version)
    .execute();
}
