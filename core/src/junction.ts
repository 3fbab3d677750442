import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import { startAuditSealer } from './audit/start-audit-sealer.js';
import { createTokenVerifier, ensureAdminToken } from './auth/tokens.js';
import type { JunctionConfig } from './config/config.js';
import { createDatabase, type JunctionDatabase } from './db/create-database.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import type { AppEnv } from './http/app-env.js';
import { createApp } from './http/create-app.js';
import type { CheckState, ReadinessReport } from './http/routes/health-routes.js';
import { createLogger, type Logger } from './log/create-logger.js';
import {
  type PluginHost,
  type PluginSettings,
  pluginSettings,
  startPlugins,
} from './plugins/index.js';
import { junctionVersion } from './version.js';
import { startWorker, type WorkerHandle } from './worker/start-worker.js';

export interface JunctionOptions {
  readonly logger?: Logger;
  /** Extra graphile-worker tasks, next to Junction's own. */
  readonly tasks?: TaskList;
  /** Plugin settings over the environment's (JUNCTION_NPM_REGISTRY, JUNCTION_PLUGIN_*...). */
  readonly plugins?: Partial<PluginSettings>;
  /** Called once with a newly generated admin token, to show it to the operator. */
  readonly onAdminTokenCreated?: (token: string) => void;
}

/** One Junction process: everything it started is stopped by `close()`, in order. */
export interface Junction {
  readonly config: JunctionConfig;
  readonly logger: Logger;
  /** Base URL of the HTTP API, once started with a role that serves it. */
  readonly url: string | undefined;
  readonly database: JunctionDatabase;
  readonly app: OpenAPIHono<AppEnv> | undefined;
  /** Loaded plugins (the connector catalogue) and the plugin service. */
  readonly plugins: PluginHost;
  readiness(): Promise<ReadinessReport>;
  close(): Promise<void>;
}

/**
 * Starts Junction: the database (embedded when no URL is configured), migrations, the workers and
 * the HTTP API, as the configured role asks.
 */
export async function createJunction(
  config: JunctionConfig,
  options: JunctionOptions = {},
): Promise<Junction> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const hasApi = config.role !== 'worker';
  const hasWorker = config.role !== 'api';
  const stack: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    while (stack.length) await stack.pop()?.();
  };

  try {
    let databaseUrl = config.databaseUrl;
    let embedded: EmbeddedPostgres | undefined;
    if (!databaseUrl) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
      stack.push(() => (embedded as EmbeddedPostgres).stop());
      databaseUrl = embedded.url;
    }
    const database = createDatabase(databaseUrl, config.databasePoolSize);
    stack.push(() => database.close());
    await migrate(database.db, database.pool, logger);
    const plugins = await startPlugins({
      db: database.db,
      databaseUrl,
      logger,
      settings: pluginSettings(config.dataDir, process.env, options.plugins),
    });
    stack.push(() => plugins.close());

    let worker: WorkerHandle | undefined;
    if (hasWorker) {
      worker = await startWorker({
        pool: database.pool,
        logger,
        tasks: { ...options.tasks },
        concurrency: config.workerConcurrency,
        pollIntervalMs: config.workerPollIntervalMs,
      });
      stack.push(() => (worker as WorkerHandle).stop(config.shutdownTimeoutMs));
      const sealer = startAuditSealer({
        db: database.db,
        logger,
        retentionDays: config.auditRetentionDays,
      });
      stack.push(() => sealer.stop());
    }

    let migrationsCurrent = false;
    const readiness = async (): Promise<ReadinessReport> => {
      const databaseState = await checkDatabase(database);
      if (!migrationsCurrent && databaseState === 'ok') {
        migrationsCurrent = (await pendingMigrations(database.db).catch(() => ['?'])).length === 0;
      }
      const workers: CheckState = !hasWorker ? 'not-in-role' : worker?.running ? 'ok' : 'failing';
      const checks = {
        database: databaseState,
        migrations: migrationsCurrent ? ('ok' as const) : ('failing' as const),
        workers,
      };
      return { ready: Object.values(checks).every((s) => s !== 'failing'), checks };
    };

    let app: OpenAPIHono<AppEnv> | undefined;
    let url: string | undefined;
    if (hasApi) {
      if (!config.adminToken) {
        const token = await ensureAdminToken(database.db);
        if (token) options.onAdminTokenCreated?.(token);
      }
      app = createApp({
        db: database.db,
        logger,
        tokens: createTokenVerifier(database.db, config.adminToken),
        bodyLimitBytes: config.bodyLimitBytes,
        version: junctionVersion(),
        readiness,
        plugins,
      });
      const server = await listen(app, config.host, config.port);
      stack.push(() => closeServer(server));
      const { port } = server.address() as AddressInfo;
      url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      logger.info({ url, role: config.role }, 'Junction API listening');
    }

    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      url,
      database,
      app,
      plugins,
      readiness,
      close() {
        closing ??= closeAll().then(() => logger.info('Junction stopped'));
        return closing;
      },
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

async function checkDatabase(database: JunctionDatabase): Promise<CheckState> {
  try {
    await sql`select 1`.execute(database.db);
    return 'ok';
  } catch {
    return 'failing';
  }
}

function listen(app: OpenAPIHono<AppEnv>, hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Stops accepting connections, lets answers in flight finish, and drops idle keep-alives. */
function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
  });
}
