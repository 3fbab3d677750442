import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import { startAuditSealer } from './audit/start-audit-sealer.js';
import { createTokenVerifier, ensureAdminToken } from './auth/tokens.js';
import type { JunctionConfig } from './config/config.js';
import { type ConnectionStore, createConnectionStore } from './connections/connection-store.js';
import {
  createOAuthAuthorizations,
  type OAuthAuthorizations,
} from './connections/oauth-authorizations.js';
import type { ConnectorSource } from './connectors/connector-source.js';
import type { DataFolderLock } from './data-folder/data-folder-lock.js';
import { holdDataFolderForServer } from './data-folder/hold-data-folder.js';
import { portProblem } from './data-folder/is-port-free.js';
import { createDatabase, type JunctionDatabase } from './db/create-database.js';
import { startEmbeddedPostgres } from './db/embedded-postgres.js';
import { embeddedRuntimeUrl } from './db/embedded-runtime-role.js';
import { explainConnectionFailure } from './db/explain-connection-failure.js';
import { migrate, pendingMigrations } from './db/migrate.js';
import { warnWithoutAutovacuum } from './db/warn-without-autovacuum.js';
import { junctionEgress } from './egress/junction-egress.js';
import { createCompiledIntegrationCache } from './engine/compile-integration.js';
import { createConnectionSlots } from './engine/connection-slots.js';
import { createDetachedCalls } from './engine/detached-calls.js';
import { createEventIngestor } from './engine/event-ingestor.js';
import { createRunExecutor } from './engine/execute-run.js';
import { startLaneSweeper } from './engine/lane-sweeper.js';
import { createPoller } from './engine/poll-integration.js';
import { POLL_TASK, type PollJobPayload, reconcilePollSchedules } from './engine/poll-schedule.js';
import { chooseRunJobInsert } from './engine/run-job-insert.js';
import { RUN_TASK, type RunJobPayload } from './engine/run-queue.js';
import { createCallbackReceiver } from './engine/wait-callbacks.js';
import { pollDueWaits } from './engine/wait-poller.js';
import { expireWaits, startWaitSweeper } from './engine/wait-sweeper.js';
import { callbackPath, createWaitSigner } from './engine/wait-tokens.js';
import { createWebhookIngress } from './engine/webhook-ingress.js';
import { createInProcessExecutor, type PluginExecutor } from './executor/plugin-executor.js';
import { createRedactingExecutor } from './executor/redacting-executor.js';
import type { AppEnv } from './http/app-env.js';
import { createApp } from './http/create-app.js';
import type { CheckState, ReadinessReport } from './http/routes/health-routes.js';
import { createWebhookListener } from './http/webhook-listener.js';
import { createIntegrationStore, type IntegrationStore } from './integrations/integration-store.js';
import { createLogger, type Logger } from './log/create-logger.js';
import { countAcceptedEvents } from './metrics/count-accepted-events.js';
import { createMetrics } from './metrics/create-metrics.js';
import { createIsolatingExecutor } from './plugin-hosts/isolating-executor.js';
import {
  type PluginHost,
  type PluginSettings,
  pluginSettings,
  startPlugins,
} from './plugins/index.js';
import { createRetentionTask, RETENTION_TASK, scheduleRetention } from './retention/index.js';
import { createReviewQueue, escalateReviews, withJunctionConnector } from './review/index.js';
import { compareShadowWrites } from './rollout/index.js';
import { loadSecretKey } from './secrets/load-secret-key.js';
import { createSecretBox, type SecretBox } from './secrets/secret-box.js';
import {
  createSubscriptionSync,
  SUBSCRIPTION_TASK,
  type SubscriptionJobPayload,
} from './subscriptions/subscription-sync.js';
import { syncBulkSources } from './sync/bulk-sources.js';
import { createRecordClient, type RecordClient } from './sync/record-client.js';
import { BACKFILL_TASK, createSyncBulk, RECONCILE_TASK, type SyncBulk } from './sync/sync-bulk.js';
import { reconcileSyncSchedules, SYNC_TASK, type SyncJobPayload } from './sync/sync-schedule.js';
import { createSyncStore, type SyncStore } from './sync/sync-store.js';
import { createSyncTask } from './sync/sync-task.js';
import { junctionVersion } from './version.js';
import { startWorker, type WorkerHandle } from './worker/start-worker.js';

export interface JunctionOptions {
  readonly logger?: Logger;
  /** Extra graphile-worker tasks, next to Junction's own. */
  readonly tasks?: TaskList;
  /** Connectors to use instead of the installed plugins (tests, embedding). */
  readonly connectors?: ConnectorSource;
  /** Plugin settings over the environment's (JUNCTION_NPM_REGISTRY, JUNCTION_PLUGIN_*...). */
  readonly plugins?: Partial<PluginSettings>;
  /** Called once with a newly generated admin token, to show it to the operator. */
  readonly onAdminTokenCreated?: (token: string) => void;
}

export interface JunctionServices {
  readonly connectors: ConnectorSource;
  readonly executor: PluginExecutor;
  readonly box: SecretBox;
  readonly connections: ConnectionStore;
  readonly integrations: IntegrationStore;
  readonly syncs: SyncStore;
  /** Record calls of connectors' record types (sync, backfill, reconciliation). */
  readonly records: RecordClient;
  /** Backfills, reconciliations and repairs of syncs. */
  readonly bulk: SyncBulk;
  readonly oauth: OAuthAuthorizations;
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
  /** The services routes and jobs use, for embedding and tests. */
  readonly services: JunctionServices;
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
    if (hasApi) await checkApiPort(config);
    let databaseUrl = config.databaseUrl;
    let folder: DataFolderLock | undefined;
    if (!databaseUrl) {
      // One Junction per data folder: it alone starts and stops the embedded PostgreSQL.
      folder = await holdDataFolderForServer(config.dataDir, (sentence) => logger.warn(sentence));
      stack.push(() => (folder as DataFolderLock).release());
      const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
      stack.push(() => embedded.stop());
      await folder.update({ databasePort: embedded.port });
      databaseUrl = embedded.url;
    }
    // On the embedded PostgreSQL, the server's own role migrates and the processes connect as a
    // runtime role that owns nothing (see embeddedRuntimeUrl); with DATABASE_URL, as given.
    const owner = createDatabase(
      databaseUrl,
      folder ? 2 : config.databasePoolSize,
      config.databaseConnectTimeoutMs,
    );
    stack.push(() => owner.close());
    const migrating = { auditRetentionDays: config.auditRetentionDays };
    await migrate(owner.db, owner.pool, logger, migrating).catch((error: unknown) => {
      throw explainConnectionFailure(
        error,
        databaseUrl as string,
        config.databaseUrl ? { kind: 'url' } : { kind: 'embedded', dataDir: config.dataDir },
      );
    });
    await warnWithoutAutovacuum(owner.pool, logger);
    let database = owner;
    if (folder) {
      database = createDatabase(
        await embeddedRuntimeUrl(owner.pool, databaseUrl),
        config.databasePoolSize,
        config.databaseConnectTimeoutMs,
      );
      stack.push(() => database.close());
    }
    const egress = await junctionEgress({
      allow: config.egressAllow,
      deny: config.egressDeny,
      apiPort: config.port,
      databaseUrl,
    });
    const settings = pluginSettings(config, options.plugins);
    const plugins = await startPlugins({
      db: database.db,
      databaseUrl,
      logger,
      settings,
      egress: () => egress.rules,
    });
    stack.push(() => plugins.close());

    const secretKey = await loadSecretKey({
      configured: config.secretKey,
      dataDir: config.dataDir,
      logger,
    });
    const box = createSecretBox(secretKey);
    const signer = createWaitSigner(secretKey);
    // Junction's own connector (its `review-escalated` trigger) next to the plugins'.
    const connectors = withJunctionConnector(options.connectors ?? plugins.catalogue);
    // Where other systems reach this Junction: configured, else the API's address once listening.
    let url: string | undefined;
    const publicUrl = () => config.publicUrl ?? url;
    // A waiting step's resume URL: made from the public URL (none while it is unknown).
    const resumeUrl = (waitId: string) => {
      const base = publicUrl();
      return base === undefined ? undefined : `${base}${callbackPath(signer.token(waitId))}`;
    };
    const executor = createRedactingExecutor(
      createIsolatingExecutor({
        pool: plugins.hosts,
        memoryMb: settings.hostMemoryMb,
        inProcess: createInProcessExecutor({ egress: egress.rules }),
      }),
    );
    const connections = createConnectionStore({ db: database.db, box, connectors });
    const syncs = createSyncStore({ db: database.db, connectors });
    const records = createRecordClient({
      connectors,
      connections,
      executor,
      timeoutMs: config.stepTimeoutMs,
    });
    const services: JunctionServices = {
      connectors,
      executor,
      box,
      connections,
      oauth: createOAuthAuthorizations({ db: database.db, box, connectors }),
      integrations: createIntegrationStore({ db: database.db, connectors, box }),
      syncs,
      records,
      bulk: createSyncBulk({
        db: database.db,
        logger,
        pageSize: config.syncPageSize,
        ...syncBulkSources(syncs, records),
      }),
    };

    const compile = createCompiledIntegrationCache();
    const ingestor = createEventIngestor({
      pool: database.pool,
      logger,
      jobInsert: await chooseRunJobInsert(database.pool, logger),
    });
    const detached = createDetachedCalls({ max: config.detachedCallsMax, logger });
    const metrics = createMetrics({
      pool: database.pool,
      detachedCalls: () => detached.inFlight,
    });
    stack.push(() => ingestor.close());
    // Calls in flight per connection (`concurrency`): one database session per call this process
    // makes at once (its jobs, and the detached calls that outlive theirs).
    const slots = createConnectionSlots(
      databaseUrl,
      config.workerConcurrency + config.detachedCallsMax,
      config.databaseConnectTimeoutMs,
    );
    stack.push(() => slots.close());
    const executeRun = createRunExecutor({
      db: database.db,
      pool: database.pool,
      logger,
      connectors,
      executor: services.executor,
      connections: services.connections,
      compile,
      definitionOf: services.integrations.definitionOf,
      stepTimeoutMs: config.stepTimeoutMs,
      onStep: metrics.stepFinished,
      resumeUrl,
      detached,
      slots,
      shadowSettleMs: config.shadowSettleMs,
    });

    const pollIntegration = createPoller({
      pool: database.pool,
      db: database.db,
      logger,
      connectors,
      connections: services.connections,
      executor: services.executor,
      ingestor,
    });
    const syncSubscription = createSubscriptionSync({
      db: database.db,
      box,
      connectors,
      connections: services.connections,
      executor: services.executor,
      publicUrl,
      logger,
    });
    const runSync = createSyncTask({
      pool: database.pool,
      db: database.db,
      records: services.records,
      logger,
      counters: metrics.sync,
    });
    let worker: WorkerHandle | undefined;
    if (hasWorker) {
      worker = await startWorker({
        pool: database.pool,
        logger,
        tasks: {
          ...options.tasks,
          [RUN_TASK]: async (payload, helpers) =>
            executeRun(payload as RunJobPayload, helpers.job.id),
          [RETENTION_TASK]: createRetentionTask({
            db: database.db,
            logger,
            defaultDays: config.retentionDays,
            intervalMs: config.retentionIntervalMs,
            onDeleted: metrics.retentionDeleted,
          }),
          [POLL_TASK]: async (payload) => {
            await pollIntegration(payload as PollJobPayload);
          },
          [SUBSCRIPTION_TASK]: async (payload) => {
            await syncSubscription(payload as SubscriptionJobPayload);
          },
          [SYNC_TASK]: async (payload) => {
            await runSync(payload as SyncJobPayload);
            await services.bulk.reconcileIfDue((payload as SyncJobPayload).syncId);
          },
          [BACKFILL_TASK]: (payload, helpers) =>
            services.bulk.backfillTask(payload as { backfillId: string }, {
              last: helpers.job.attempts >= helpers.job.max_attempts,
            }),
          [RECONCILE_TASK]: (payload, helpers) =>
            services.bulk.reconcileTask(payload as { reconciliationId: string }, {
              last: helpers.job.attempts >= helpers.job.max_attempts,
            }),
        },
        concurrency: config.workerConcurrency,
        pollIntervalMs: config.workerPollIntervalMs,
        localQueueSize: config.workerLocalQueueSize ?? config.workerConcurrency + 1,
        localQueueTtlMs: config.workerLocalQueueTtlMs,
        heartbeat: {
          beatMs: config.workerHeartbeatMs,
          reapMs: config.workerReapIntervalMs,
          deadAfterMs: config.workerDeadAfterMs,
        },
      });
      // Running jobs and detached calls share the shutdown timeout; a detached call's settlement
      // needs the database, closed after this.
      stack.push(async () => {
        await Promise.all([
          (worker as WorkerHandle).stop(config.shutdownTimeoutMs),
          detached.drain(config.shutdownTimeoutMs),
        ]);
      });
      const sweeper = startLaneSweeper(database.db, logger);
      stack.push(() => sweeper.stop());
      // What the sweep tasks that call plugins need (polls of parked steps, shadow comparisons).
      const pluginCalls = {
        db: database.db,
        logger,
        connectors,
        connections: services.connections,
        executor: services.executor,
        definitionOf: services.integrations.definitionOf,
      };
      const waitSweeper = startWaitSweeper({
        logger,
        everyMs: config.waitSweepMs,
        tasks: [
          expireWaits(database.db),
          pollDueWaits(pluginCalls),
          escalateReviews(database.db, ingestor),
          compareShadowWrites(pluginCalls),
        ],
      });
      stack.push(() => waitSweeper.stop());
      await reconcilePollSchedules(database.db, connectors, logger);
      await reconcileSyncSchedules(database.db, logger);
      // The first sweep a minute after the first start (a schedule already there is kept).
      await scheduleRetention(database.db, 60_000, 'preserve_run_at');
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
    if (hasApi) {
      if (!config.adminToken) {
        const token = await ensureAdminToken(database.db);
        if (token) options.onAdminTokenCreated?.(token);
      }
      const ingress = createWebhookIngress({
        db: database.db,
        connectors,
        connections: services.connections,
        executor: services.executor,
        ingestor: countAcceptedEvents(ingestor, metrics.eventsAccepted),
        jsonMaxDepth: config.jsonMaxDepth,
      });
      app = createApp({
        db: database.db,
        logger,
        tokens: createTokenVerifier(database.db, config.adminToken),
        adminEnvToken: config.adminToken !== undefined,
        bodyLimitBytes: config.bodyLimitBytes,
        jsonMaxDepth: config.jsonMaxDepth,
        version: junctionVersion(),
        readiness,
        ...services,
        publicUrl,
        plugins,
        ingress,
        metrics,
        callbacks: createCallbackReceiver({ db: database.db, connectors, signer }),
        reviews: createReviewQueue({
          db: database.db,
          connectors,
          claimSeconds: config.reviewClaimSeconds,
        }),
      });
      const hooks = createWebhookListener({
        ingress,
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
      });
      const server = await listen(app, hooks, config);
      stack.push(() => closeServer(server));
      const { port } = server.address() as AddressInfo;
      egress.addListeningPort(port);
      url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
      await folder?.update({ apiUrl: url });
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
      services,
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

/** A sentence saying why the API cannot listen where it is configured to, naming the setting. */
function portSentence(config: Pick<JunctionConfig, 'host' | 'port'>, code: string): string {
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return `Port ${config.port} is already in use (${where}), by another Junction or another program: stop it, or choose another port with PORT=<port> or --port <port> (0 picks a free one).`;
  if (code === 'EACCES')
    return `Port ${config.port} needs more privileges than this user has (${where}): choose a port above 1023 with PORT=<port> or --port <port>.`;
  return `Cannot listen on ${where} (${code}): check HOST (--host) and PORT (--port).`;
}

/** Refuses, before anything starts, a port that the API could not listen on. */
async function checkApiPort(config: Pick<JunctionConfig, 'host' | 'port'>): Promise<void> {
  if (config.port === 0) return;
  const problem = await portProblem(config.port, config.host);
  if (problem) throw new Error(portSentence(config, problem));
}

/** Serves the app, with webhooks answered first by `hooks` (see createWebhookListener). */
function listen(
  app: OpenAPIHono<AppEnv>,
  hooks: ReturnType<typeof createWebhookListener>,
  config: Pick<
    JunctionConfig,
    'host' | 'port' | 'httpHeadersTimeoutMs' | 'httpRequestTimeoutMs' | 'httpKeepAliveTimeoutMs'
  >,
): Promise<Server> {
  const answer = getRequestListener(app.fetch, { hostname: config.host });
  return new Promise((resolve, reject) => {
    const server = createServer(
      {
        headersTimeout: config.httpHeadersTimeoutMs,
        requestTimeout: config.httpRequestTimeoutMs,
        keepAliveTimeout: config.httpKeepAliveTimeoutMs,
        // How often Node looks for requests past those timeouts (30 s by default): a slow
        // client is closed within a second of its timeout.
        connectionsCheckingInterval: Math.min(1000, config.httpHeadersTimeoutMs),
      },
      (req, res) => {
        if (!hooks(req, res)) void answer(req, res);
      },
    );
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code ? new Error(portSentence(config, error.code), { cause: error }) : error),
    );
    server.listen(config.port, config.host, () => resolve(server));
  });
}

/** Stops accepting connections, lets answers in flight finish, and drops idle keep-alives. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}
