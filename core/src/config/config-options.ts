/**
 * Every setting of a Junction process: its key, environment variable, flag, default and meaning.
 * The README's configuration table and the CLI's options are both read from this list.
 */
export const configOptions = [
  {
    key: 'port',
    env: 'PORT',
    flag: '--port <port>',
    default: '3000',
    description: 'HTTP port of the API (0 picks a free port).',
  },
  {
    key: 'host',
    env: 'HOST',
    flag: '--host <host>',
    default: '127.0.0.1',
    description: 'Address the API listens on; 0.0.0.0 to accept connections from other machines.',
  },
  {
    key: 'databaseUrl',
    env: 'DATABASE_URL',
    flag: '--database-url <url>',
    default: undefined,
    description:
      'PostgreSQL connection URL. Unset: an embedded PostgreSQL is started under the data folder.',
  },
  {
    key: 'dataDir',
    env: 'JUNCTION_DATA_DIR',
    flag: '--data-dir <dir>',
    default: './.junction',
    description: 'Folder for the embedded PostgreSQL and local state.',
  },
  {
    key: 'adminToken',
    env: 'JUNCTION_ADMIN_TOKEN',
    flag: undefined,
    default: undefined,
    description:
      'Admin bearer token (at least 16 characters). Unset: one is generated and printed once on first start.',
  },
  {
    key: 'secretKey',
    env: 'JUNCTION_SECRET_KEY',
    flag: undefined,
    default: undefined,
    description:
      'Key that encrypts connection secrets: 32 bytes as 64 hex characters or base64. Unset: generated into the data folder on first start.',
  },
  {
    key: 'role',
    env: 'JUNCTION_ROLE',
    flag: '--role <role>',
    default: 'all',
    description: 'all (API and workers), api (HTTP only) or worker (jobs only).',
  },
  {
    key: 'logLevel',
    env: 'LOG_LEVEL',
    flag: '--log-level <level>',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent.',
  },
  {
    key: 'workerConcurrency',
    env: 'JUNCTION_WORKER_CONCURRENCY',
    flag: '--concurrency <n>',
    default: '16',
    description: 'Jobs one worker process runs at once.',
  },
  {
    key: 'workerPollIntervalMs',
    env: 'JUNCTION_WORKER_POLL_INTERVAL_MS',
    flag: '--poll-interval <ms>',
    default: '2000',
    description: 'How often an idle worker looks for jobs (new jobs also wake it at once).',
  },
  {
    key: 'workerHeartbeatMs',
    env: 'JUNCTION_WORKER_HEARTBEAT_MS',
    flag: undefined,
    default: '5000',
    description: 'How often a worker process records that it is alive (worker_heartbeats).',
  },
  {
    key: 'workerReapIntervalMs',
    env: 'JUNCTION_WORKER_REAP_INTERVAL_MS',
    flag: undefined,
    default: '10000',
    description: 'How often a worker process looks for dead workers whose jobs it should release.',
  },
  {
    key: 'workerDeadAfterMs',
    env: 'JUNCTION_WORKER_DEAD_AFTER_MS',
    flag: undefined,
    default: '30000',
    description:
      'A worker silent this long is dead: its locked jobs are released and run again by others.',
  },
  {
    key: 'workerLocalQueueSize',
    env: 'JUNCTION_WORKER_LOCAL_QUEUE_SIZE',
    flag: undefined,
    default: undefined,
    description:
      'Jobs a worker process fetches and locks at once (fewer database round trips). Unset: concurrency + 1; 1 turns batching off.',
  },
  {
    key: 'stepTimeoutMs',
    env: 'JUNCTION_STEP_TIMEOUT_MS',
    flag: undefined,
    default: '30000',
    description:
      "How long an action step may run when neither the integration's step (timeoutMs) nor the action sets a longer time; at most 900000 (15 minutes).",
  },
  {
    key: 'syncPageSize',
    env: 'JUNCTION_SYNC_PAGE_SIZE',
    flag: undefined,
    default: '1000',
    description:
      'Records a backfill or reconciliation of a sync reads (and writes) per page and batch, 10 to 10000.',
  },
  {
    key: 'detachedCallsMax',
    env: 'JUNCTION_DETACHED_CALLS_MAX',
    flag: undefined,
    default: '100',
    description:
      "Slow calls (actions that declare detach, such as the ai connector's extract) a worker process carries on after their runs parked, freeing the worker; past it a call holds its worker until it answers, as other calls do. 0: none detach.",
  },
  {
    key: 'workerLocalQueueTtlMs',
    env: 'JUNCTION_WORKER_LOCAL_QUEUE_TTL_MS',
    flag: undefined,
    default: '1000',
    description:
      'How long jobs fetched by a worker process may wait for one of its slots; then they go back to the queue, for any worker with a free slot.',
  },
  {
    key: 'shutdownTimeoutMs',
    env: 'JUNCTION_SHUTDOWN_TIMEOUT_MS',
    flag: '--shutdown-timeout <ms>',
    default: '30000',
    description:
      'On SIGTERM/SIGINT, how long running jobs (and detached calls) may finish before they are released to another worker (left to their deadline).',
  },
  {
    key: 'bodyLimitBytes',
    env: 'JUNCTION_BODY_LIMIT_BYTES',
    flag: undefined,
    default: '1048576',
    description: 'Largest request body accepted, in bytes (413 above).',
  },
  {
    key: 'jsonMaxDepth',
    env: 'JUNCTION_JSON_MAX_DEPTH',
    flag: undefined,
    default: '64',
    description:
      'Deepest nesting of objects and arrays accepted in a JSON request body or a webhook event (422 naming this setting above).',
  },
  {
    key: 'httpHeadersTimeoutMs',
    env: 'JUNCTION_HTTP_HEADERS_TIMEOUT_MS',
    flag: undefined,
    default: '10000',
    description:
      "How long a client may take to send a request's headers before its connection is closed (slow clients cannot hold connections).",
  },
  {
    key: 'httpRequestTimeoutMs',
    env: 'JUNCTION_HTTP_REQUEST_TIMEOUT_MS',
    flag: undefined,
    default: '120000',
    description:
      'How long a client may take to send a whole request, body included (a plugin upload too); 408 after it.',
  },
  {
    key: 'httpKeepAliveTimeoutMs',
    env: 'JUNCTION_HTTP_KEEP_ALIVE_TIMEOUT_MS',
    flag: undefined,
    default: '5000',
    description: 'How long an idle keep-alive connection stays open for its next request.',
  },
  {
    key: 'egressAllow',
    env: 'JUNCTION_EGRESS_ALLOW',
    flag: undefined,
    default: undefined,
    description:
      'Where plugins may connect, when set: CIDRs, addresses and host patterns (10.0.0.0/8, erp.internal, *.corp.example), separated by commas. Unset: anywhere not refused below (private networks and loopback included). See docs/security.md.',
  },
  {
    key: 'egressDeny',
    env: 'JUNCTION_EGRESS_DENY',
    flag: undefined,
    default: undefined,
    description:
      "Where plugins may never connect: CIDRs, addresses and host patterns. Junction's own API port and database, link-local addresses and cloud metadata endpoints are always refused.",
  },
  {
    key: 'databasePoolSize',
    env: 'JUNCTION_DB_POOL_SIZE',
    flag: undefined,
    default: '20',
    description: 'Connections in the PostgreSQL pool of one process.',
  },
  {
    key: 'databaseConnectTimeoutMs',
    env: 'JUNCTION_DB_CONNECT_TIMEOUT_MS',
    flag: undefined,
    default: '10000',
    description:
      'How long a query waits for a PostgreSQL connection (a new one, or a free one of the pool) before it fails; webhooks and the API then answer 503.',
  },
  {
    key: 'waitSweepMs',
    env: 'JUNCTION_WAIT_SWEEP_MS',
    flag: undefined,
    default: '1000',
    description:
      'How often a worker process settles parked runs past their deadline, polls due waits and escalates reviews past their SLA.',
  },
  {
    key: 'shadowSettleMs',
    env: 'JUNCTION_SHADOW_SETTLE_MS',
    flag: undefined,
    default: '300000',
    description:
      'How long after a shadow run its intended writes are compared with what the target holds (the manual process is given that long to write the record).',
  },
  {
    key: 'reviewClaimSeconds',
    env: 'JUNCTION_REVIEW_CLAIM_SECONDS',
    flag: undefined,
    default: '900',
    description:
      "How long a reviewer's claim on a review item lasts when the claim does not say (then anyone allowed may claim it).",
  },
  {
    key: 'auditRetentionDays',
    env: 'JUNCTION_AUDIT_RETENTION_DAYS',
    flag: undefined,
    default: undefined,
    description:
      'Days audit entry bodies are kept; older bodies are dropped, hashes and metadata stay. Unset: kept forever.',
  },
  {
    key: 'retentionDays',
    env: 'JUNCTION_RETENTION_DAYS',
    flag: undefined,
    default: '30',
    description:
      'Days succeeded and cancelled runs, their steps and their events are kept after they finish, for integrations whose definition sets no retention.days. Dead, waiting and unknown-outcome runs are kept until resolved, record links as long as they live, audit entries by JUNCTION_AUDIT_RETENTION_DAYS.',
  },
  {
    key: 'retentionIntervalMs',
    env: 'JUNCTION_RETENTION_INTERVAL_MS',
    flag: undefined,
    default: '600000',
    description:
      'How often the retention job (a graphile-worker job, one at a time across all processes) deletes expired runs, in batches.',
  },
  {
    key: 'pluginsDir',
    env: 'JUNCTION_PLUGINS_DIR',
    flag: undefined,
    default: undefined,
    description: 'Where installed plugin versions are unpacked. Unset: <data folder>/plugins.',
  },
  {
    key: 'builtinPluginsDir',
    env: 'JUNCTION_BUILTIN_PLUGINS_DIR',
    flag: undefined,
    default: undefined,
    description:
      "Folder of the plugins shipped with Junction. Unset: the repository's plugins/ folder.",
  },
  {
    key: 'publicUrl',
    env: 'JUNCTION_PUBLIC_URL',
    flag: '--public-url <url>',
    default: undefined,
    description:
      'The URL other systems reach this Junction at, for the webhooks it registers, OAuth 2.0 redirects and the resume URLs of waiting steps (https://junction.example.com). Unset: the address the API listens on (a worker-only process then gives no resume URLs).',
  },
  {
    key: 'npmRegistry',
    env: 'JUNCTION_NPM_REGISTRY',
    flag: undefined,
    default: 'https://registry.npmjs.org/',
    description: 'npm registry for plugins installed by npm spec (name@range).',
  },
  {
    key: 'pluginMaxBytes',
    env: 'JUNCTION_PLUGIN_MAX_BYTES',
    flag: undefined,
    default: '52428800',
    description: 'Largest unpacked size of one plugin, in bytes.',
  },
  {
    key: 'pluginMaxFiles',
    env: 'JUNCTION_PLUGIN_MAX_FILES',
    flag: undefined,
    default: '2000',
    description: 'Most files in one plugin package.',
  },
  {
    key: 'pluginResyncMs',
    env: 'JUNCTION_PLUGIN_RESYNC_MS',
    flag: undefined,
    default: '30000',
    description: 'How often each process re-reads installed plugins, behind LISTEN/NOTIFY.',
  },
  {
    key: 'pluginUploadLimitBytes',
    env: 'JUNCTION_PLUGIN_UPLOAD_LIMIT_BYTES',
    flag: undefined,
    default: '52428800',
    description: 'Largest .tgz accepted by POST /v1/plugins/upload, in bytes.',
  },
  {
    key: 'pluginIsolation',
    env: 'JUNCTION_PLUGIN_ISOLATION',
    flag: undefined,
    default: 'installed',
    description:
      'Which plugins run in plugin host processes: installed (every installed plugin; the plugins shipped with Junction run in-process), all, or none (everything in-process). See docs/security.md.',
  },
  {
    key: 'pluginHosts',
    env: 'JUNCTION_PLUGIN_HOSTS',
    flag: undefined,
    default: '2',
    description: 'Host processes per isolated plugin version (each serves many calls at once).',
  },
  {
    key: 'pluginHostMemoryMb',
    env: 'JUNCTION_PLUGIN_HOST_MEMORY_MB',
    flag: undefined,
    default: '512',
    description:
      'Memory ceiling of one plugin host, in MiB: its JavaScript heap (--max-old-space-size) and its resident size, checked every second; a host over it is stopped and its calls fail as retryable.',
  },
  {
    key: 'pluginHostIdleMs',
    env: 'JUNCTION_PLUGIN_HOST_IDLE_MS',
    flag: undefined,
    default: '300000',
    description:
      'How long a plugin host may serve no call before it is stopped (the next call starts one again); 0 keeps idle hosts. Hosts of versions removed, disabled or trusted are stopped at the next plugin sync.',
  },
  {
    key: 'pluginHostMaxMessageBytes',
    env: 'JUNCTION_PLUGIN_HOST_MAX_MESSAGE_BYTES',
    flag: undefined,
    default: '16777216',
    description:
      "Largest message a plugin host may send Junction (a call's answer, a log line), in bytes: a larger answer fails its call as bad output (not retried) and is never read into Junction's memory.",
  },
] as const;

export type ConfigOption = (typeof configOptions)[number];
export type ConfigKey = ConfigOption['key'];
