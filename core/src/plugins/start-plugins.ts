import type { EgressRules } from '@junction/connector-kit';
import { createPluginStore, type ImportRequest } from '@junction/registry';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Logger } from '../log/create-logger.js';
import { createHostPool, type HostPool, keyOf } from '../plugin-hosts/host-pool.js';
import { createPluginCatalogue, type PluginCatalogue } from './plugin-catalogue.js';
import { startPluginListener } from './plugin-listener.js';
import { createPluginService, type PluginService } from './plugin-service.js';
import type { PluginSettings } from './plugin-settings.js';
import { syncBuiltins, syncInstalled } from './plugin-sync.js';
import type { PluginVersionUser } from './plugin-version-users.js';

/** Plugins in one process: the catalogue the engine reads, the service the API writes through. */
export interface PluginHost {
  readonly catalogue: PluginCatalogue;
  readonly service: PluginService;
  readonly settings: PluginSettings;
  /** The plugin hosts isolated plugins run in. */
  readonly hosts: HostPool;
  /** Re-reads the database now (also done on NOTIFY and every `resyncMs`). */
  syncNow(): Promise<void>;
  close(): Promise<void>;
}

/** What {@link startPlugins} needs. */
export interface StartPluginsOptions {
  readonly db: Kysely<Database>;
  readonly databaseUrl: string;
  readonly logger: Logger;
  readonly settings: PluginSettings;
  /** The egress rules plugin hosts run under (default: only the built-in refusals). */
  readonly egress?: () => EgressRules;
  /** Overrides who pins a plugin version (see `pluginVersionUsers`). */
  readonly versionUsers?: (
    db: Kysely<Database>,
    id: string,
    version: string,
    lastVersion: boolean,
  ) => Promise<PluginVersionUser[]>;
}

/**
 * Loads the built-in plugins, then every enabled install the database lists, and keeps them in
 * step: LISTEN `junction_plugins` (reconnecting) plus a periodic re-sync as a fallback.
 */
export async function startPlugins(options: StartPluginsOptions): Promise<PluginHost> {
  const { db, logger, settings } = options;
  const hosts = createHostPool({
    size: settings.hosts,
    memoryMb: settings.hostMemoryMb,
    egress: options.egress ?? (() => ({})),
    idleMs: settings.hostIdleMs,
    maxMessageBytes: settings.hostMaxMessageBytes,
    onHostExit: (label, how, idle) =>
      idle
        ? logger.info({ plugin: label, how }, 'idle plugin host stopped')
        : logger.warn({ plugin: label, how }, 'plugin host ended'),
  });
  const importConnector = (request: ImportRequest) =>
    hosts.load({ ...request, memoryMb: settings.hostMemoryMb });
  const isolate = settings.isolation !== 'none';
  const store = createPluginStore({
    root: settings.pluginsDir,
    limits: { maxBytes: settings.maxBytes, maxFiles: settings.maxFiles },
    ...(isolate ? { importConnector } : {}),
  });
  const catalogue = createPluginCatalogue();
  /** Stops the hosts of every version the catalogue no longer runs isolated. */
  const retireHosts = () => {
    const live = new Set(
      catalogue
        .list()
        .filter((e) => e.status === 'loaded' && e.plugin?.isolated)
        .map((e) =>
          keyOf({
            label: `${e.id}@${e.version}`,
            dir: e.plugin?.dir ?? '',
            ...(e.integrity ? { importTag: e.integrity } : {}),
          }),
        ),
    );
    hosts.retain((spec) => live.has(keyOf(spec)));
  };
  const deps = {
    db,
    store,
    catalogue,
    logger,
    ...(isolate ? { importConnector } : {}),
    isolateBuiltins: settings.isolation === 'all',
    trustMarks: settings.isolation !== 'all',
  };

  // One sync at a time; a request during a sync runs one more afterwards.
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  const syncNow = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        if (closed) return;
        try {
          await syncInstalled(deps);
          retireHosts();
        } catch (error) {
          logger.warn({ err: (error as Error).message }, 'plugin sync failed; retrying later');
        }
      } while (again);
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  await syncBuiltins(deps, settings.builtinDir);
  await syncNow();
  const listener = startPluginListener({
    connectionString: options.databaseUrl,
    logger,
    onChange: () => void syncNow(),
  });
  const timer = setInterval(() => void syncNow(), settings.resyncMs);
  timer.unref();

  const service = createPluginService({
    db,
    store,
    catalogue,
    npmRegistry: settings.npmRegistry,
    afterChange: syncNow,
    ...(options.versionUsers ? { versionUsers: options.versionUsers } : {}),
  });

  return {
    catalogue,
    service,
    settings,
    hosts,
    syncNow,
    async close() {
      closed = true;
      clearInterval(timer);
      await listener.close();
      await running;
      await hosts.close();
    },
  };
}
