import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Kysely } from 'kysely';
import type { OpenAPIV3_1 } from 'openapi-types';
import type { TokenVerifier } from '../auth/tokens.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { ConnectionStore } from '../connections/connection-store.js';
import type { OAuthAuthorizations } from '../connections/oauth-authorizations.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import { createConsoleSessions } from '../console/console-sessions.js';
import type { Database } from '../db/schema.js';
import type { CallbackReceiver } from '../engine/wait-callbacks.js';
import type { createWebhookIngress } from '../engine/webhook-ingress.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationStore } from '../integrations/integration-store.js';
import type { Logger } from '../log/create-logger.js';
import type { JunctionMetrics } from '../metrics/create-metrics.js';
import type { PluginHost } from '../plugins/start-plugins.js';
import type { ReviewQueue } from '../review/index.js';
import { createRolloutStore } from '../rollout/index.js';
import type { RecordClient } from '../sync/record-client.js';
import type { SyncBulk } from '../sync/sync-bulk.js';
import type { SyncStore } from '../sync/sync-store.js';
import type { AppEnv } from './app-env.js';
import { authenticate } from './middleware/authenticate.js';
import { bodyLimit } from './middleware/body-limit.js';
import { jsonBodyGuard } from './middleware/json-body-guard.js';
import { rejectUnknownQuery } from './middleware/reject-unknown-query.js';
import { requestLog, requestLogger } from './middleware/request-log.js';
import { recordDenials } from './middleware/require-role.js';
import { securityHeaders } from './middleware/security-headers.js';
import { answerToError, HttpProblem, problem, problemResponse } from './problem.js';
import { createMethodLookup } from './route-matcher.js';
import { registerAuditRoutes } from './routes/audit-routes.js';
import { registerCallbackRoutes } from './routes/callback-routes.js';
import { registerConnectionRoutes } from './routes/connection-routes.js';
import { registerConnectorRoutes } from './routes/connector-routes.js';
import { consoleAuditPages } from './routes/console-audit-routes.js';
import { consoleConnectionPages } from './routes/console-connection-routes.js';
import { consoleIntegrationPages } from './routes/console-integration-routes.js';
import { consolePluginPages } from './routes/console-plugin-routes.js';
import { consoleReviewPages } from './routes/console-review-routes.js';
import { registerConsoleRoutes } from './routes/console-routes.js';
import { consoleRunPages } from './routes/console-run-routes.js';
import { consoleSyncConflictPages } from './routes/console-sync-conflict-routes.js';
import { consoleSyncLinkPages } from './routes/console-sync-link-routes.js';
import { consoleSyncPages } from './routes/console-sync-routes.js';
import { consoleTokenPages } from './routes/console-token-routes.js';
import { registerDocsRoutes } from './routes/docs-routes.js';
import { type ReadinessReport, registerHealthRoutes } from './routes/health-routes.js';
import { registerHookRoutes } from './routes/hook-routes.js';
import { registerIntegrationRoutes } from './routes/integration-routes.js';
import { registerMappingRoutes } from './routes/mapping-routes.js';
import { registerMetricsRoute } from './routes/metrics-route.js';
import { registerOAuthRoutes } from './routes/oauth-routes.js';
import { exceptPluginUpload, registerPluginRoutes } from './routes/plugin-routes.js';
import { registerReviewRoutes } from './routes/review-routes.js';
import { registerRolloutReportRoutes } from './routes/rollout-report-routes.js';
import { registerRolloutRoutes } from './routes/rollout-routes.js';
import { registerRunRoutes } from './routes/run-routes.js';
import { registerSyncBulkRoutes } from './routes/sync-bulk-routes.js';
import { registerSyncConflictRoutes } from './routes/sync-conflict-routes.js';
import { registerSyncLinkRoutes } from './routes/sync-link-routes.js';
import { registerSyncRoutes } from './routes/sync-routes.js';
import { registerTokenRoutes } from './routes/token-routes.js';
import { validationHook } from './validation-hook.js';
import { bodyTooLarge } from './webhook-answer.js';

export interface AppDependencies {
  readonly db: Kysely<Database>;
  readonly logger: Logger;
  readonly tokens: TokenVerifier;
  readonly bodyLimitBytes: number;
  /** Deepest nesting accepted in a JSON request body (JUNCTION_JSON_MAX_DEPTH; 64 unless given). */
  readonly jsonMaxDepth?: number;
  readonly version: string;
  readonly readiness: () => Promise<ReadinessReport>;
  readonly connectors: ConnectorSource;
  readonly executor: PluginExecutor;
  readonly connections: ConnectionStore;
  readonly integrations: IntegrationStore;
  /** Sync definitions (`/v1/syncs`). */
  readonly syncs?: SyncStore;
  /** Record calls, for resolving sync conflicts (`/v1/syncs/{id}/conflicts`). */
  readonly records?: RecordClient;
  /** Backfills, reconciliations and repairs of syncs. */
  readonly bulk?: SyncBulk;
  /** The OAuth 2.0 authorization-code grant and Junction's public URL (for its redirect). */
  readonly oauth?: OAuthAuthorizations;
  readonly publicUrl?: () => string | undefined;
  /** Plugins and the connector catalogue (`/v1/plugins`, `/v1/connectors`). */
  readonly plugins?: PluginHost;
  readonly ingress: ReturnType<typeof createWebhookIngress>;
  /** Prometheus metrics served at `/metrics` (open, like /healthz). */
  readonly metrics?: JunctionMetrics;
  /** Settles steps waiting for a callback (`POST /callbacks/{token}`). */
  readonly callbacks?: CallbackReceiver;
  /** The review queue (`/v1/reviews`). */
  readonly reviews?: ReviewQueue;
  /** Whether JUNCTION_ADMIN_TOKEN is configured (console sessions opened with it need it). */
  readonly adminEnvToken?: boolean;
}

/** The HTTP API: every route, its OpenAPI description, and one error path to problem+json. */
export function createApp(deps: AppDependencies): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use(requestId({ headerName: 'X-Request-Id' }));
  app.use(requestLog(deps.logger));
  app.use(securityHeaders());
  app.use(
    exceptPluginUpload(
      bodyLimit({
        maxSize: deps.bodyLimitBytes,
        onError: () => {
          const refusal = bodyTooLarge(deps.bodyLimitBytes);
          throw new HttpProblem(refusal.problem, refusal.headers);
        },
      }),
    ),
  );
  app.use('/v1/*', authenticate(deps.tokens));
  app.use('/v1/*', exceptPluginUpload(jsonBodyGuard(deps.jsonMaxDepth ?? 64)));
  app.use('/v1/*', recordDenials(deps.db));
  app.use(
    '/v1/*',
    rejectUnknownQuery(() => openApiDocument(app, deps.version)),
  );

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description:
      'An API token (JUNCTION_ADMIN_TOKEN, the one printed on first start, or one made with POST /v1/tokens).',
  });

  registerHealthRoutes(app, deps.readiness);
  registerTokenRoutes(app, deps.db);
  registerAuditRoutes(app, deps.db);
  registerConnectionRoutes(app, {
    db: deps.db,
    store: deps.connections,
    connectors: deps.connectors,
    executor: deps.executor,
  });
  registerIntegrationRoutes(app, {
    db: deps.db,
    store: deps.integrations,
    connectors: deps.connectors,
  });
  if (deps.syncs) {
    registerSyncRoutes(app, { db: deps.db, store: deps.syncs, bulk: deps.bulk });
    registerSyncLinkRoutes(app, { db: deps.db, records: deps.records, logger: deps.logger });
  }
  if (deps.records)
    registerSyncConflictRoutes(app, {
      db: deps.db,
      records: deps.records,
      logger: deps.logger,
      ...(deps.metrics ? { counters: deps.metrics.sync } : {}),
    });
  if (deps.bulk) registerSyncBulkRoutes(app, { db: deps.db, bulk: deps.bulk });
  if (deps.oauth) {
    registerOAuthRoutes(app, {
      store: deps.connections,
      oauth: deps.oauth,
      publicUrl: deps.publicUrl ?? (() => undefined),
    });
  }
  const rollouts = createRolloutStore(deps.db, deps.connectors);
  registerRolloutRoutes(app, { db: deps.db, rollouts });
  registerRolloutReportRoutes(app, deps.db);
  registerMappingRoutes(app, deps.connectors);
  registerHookRoutes(app, deps.ingress);
  if (deps.callbacks) registerCallbackRoutes(app, deps.callbacks);
  registerRunRoutes(app, deps.db);
  if (deps.reviews) registerReviewRoutes(app, deps.db, deps.reviews);
  if (deps.metrics) registerMetricsRoute(app, deps.metrics);
  if (deps.plugins) {
    registerPluginRoutes(app, deps.plugins);
    registerConnectorRoutes(app, deps.plugins);
  }
  registerConsoleRoutes(app, {
    db: deps.db,
    uploadLimitBytes: deps.plugins?.settings.uploadLimitBytes,
    sessions: createConsoleSessions({
      db: deps.db,
      tokens: deps.tokens,
      adminEnvToken: deps.adminEnvToken ?? false,
    }),
    pages: [
      consoleRunPages(deps.db),
      consoleIntegrationPages({
        db: deps.db,
        store: deps.integrations,
        rollouts,
        connectors: deps.connectors,
      }),
      consoleAuditPages(deps.db),
      consoleConnectionPages({
        db: deps.db,
        store: deps.connections,
        connectors: deps.connectors,
        executor: deps.executor,
      }),
      consoleTokenPages(deps.db),
      ...(deps.plugins ? [consolePluginPages(deps.db, deps.plugins)] : []),
      ...(deps.syncs
        ? [
            consoleSyncPages({
              db: deps.db,
              store: deps.syncs,
              bulk: deps.bulk,
              resolves: deps.records !== undefined,
            }),
            consoleSyncConflictPages({
              db: deps.db,
              store: deps.syncs,
              records: deps.records,
              logger: deps.logger,
              counters: deps.metrics?.sync,
            }),
            consoleSyncLinkPages({ db: deps.db, records: deps.records, logger: deps.logger }),
          ]
        : []),
      ...(deps.reviews ? [consoleReviewPages(deps.db, deps.reviews)] : []),
    ],
  });
  registerDocsRoutes(app, () => openApiDocument(app, deps.version));

  let methodsOf: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    methodsOf ??= createMethodLookup(app.routes);
    const allowed = methodsOf(c.req.path);
    if (allowed.length > 0) {
      return problemResponse(
        c,
        problem(405, `${c.req.method} is not allowed on ${c.req.path}; use ${allowed.join(', ')}.`),
        { Allow: allowed.join(', ') },
      );
    }
    return problemResponse(c, problem(404, `No route ${c.req.method} ${c.req.path}.`));
  });

  app.onError((error, c) => {
    if (error instanceof HttpProblem) return problemResponse(c, error.problem, error.headers);
    if (error instanceof ConfigProblem) {
      const errors = error.problems.map((p) => ({
        in: 'body' as const,
        pointer: p.pointer,
        detail: p.detail,
      }));
      return problemResponse(
        c,
        problem(error.status, error.message, {
          ...(errors.length ? { errors } : {}),
          ...error.extra,
        }),
      );
    }
    if (error instanceof HTTPException) {
      const detail =
        error.status === 400 && /JSON/i.test(error.message)
          ? 'The request body is not valid JSON.'
          : error.message;
      return problemResponse(c, problem(error.status, detail));
    }
    const answer = answerToError(error, c.get('baseLogger') ? requestLogger(c) : deps.logger);
    return problemResponse(c, answer.problem, answer.headers);
  });

  return app;
}

export function openApiDocument(app: OpenAPIHono<AppEnv>, version: string): OpenAPIV3_1.Document {
  return app.getOpenAPI31Document({
    openapi: '3.1.0',
    info: {
      title: 'Junction API',
      version,
      description:
        'Configure connections, integrations and mappings, and operate runs. Errors are RFC 9457 problem+json. While the database is unavailable, any endpoint that needs it answers 503 with Retry-After.',
    },
    servers: [{ url: '/' }],
  }) as OpenAPIV3_1.Document;
}
