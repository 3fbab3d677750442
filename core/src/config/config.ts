import path from 'node:path';
import { parseEgressList } from '@junction/connector-kit';
import { z } from 'zod';
import { parseSecretKey } from '../secrets/load-secret-key.js';
import { type ConfigKey, configOptions } from './config-options.js';

/** Where Junction runs: one process for everything, or split roles sharing one database. */
export type Role = 'all' | 'api' | 'worker';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The validated configuration of one Junction process. */
export interface JunctionConfig {
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  /** Unset: Junction starts an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly adminToken: string | undefined;
  readonly secretKey: string | undefined;
  readonly pluginsDir: string | undefined;
  readonly builtinPluginsDir: string | undefined;
  readonly publicUrl: string | undefined;
  readonly npmRegistry: string;
  readonly pluginMaxBytes: number;
  readonly pluginMaxFiles: number;
  readonly pluginResyncMs: number;
  readonly pluginUploadLimitBytes: number;
  /** Which plugins run in host processes (see docs/security.md). */
  readonly pluginIsolation: 'installed' | 'all' | 'none';
  readonly pluginHosts: number;
  readonly pluginHostMemoryMb: number;
  /** How long a plugin host may sit without calls before it is stopped (0: never). */
  readonly pluginHostIdleMs: number;
  /** Largest message a plugin host may send (an answer, a log line), in bytes. */
  readonly pluginHostMaxMessageBytes: number;
  readonly logLevel: LogLevel;
  readonly workerConcurrency: number;
  readonly workerPollIntervalMs: number;
  readonly workerLocalQueueSize: number | undefined;
  /** How long fetched jobs may wait in a busy process's local queue before going back. */
  readonly workerLocalQueueTtlMs: number;
  /** Heartbeat of a worker process, reaping pass, and silence after which a worker is dead. */
  readonly workerHeartbeatMs: number;
  readonly workerReapIntervalMs: number;
  readonly workerDeadAfterMs: number;
  /** How long an action step may run when neither its step nor its action says otherwise. */
  readonly stepTimeoutMs: number;
  /** Records a sync's backfill or reconciliation reads and writes per page and batch. */
  readonly syncPageSize: number;
  /** Slow calls (actions that declare `detach`) one process carries on after their runs parked. */
  readonly detachedCallsMax: number;
  readonly shutdownTimeoutMs: number;
  readonly bodyLimitBytes: number;
  /** Deepest nesting of objects and arrays in a JSON request body or webhook event. */
  readonly jsonMaxDepth: number;
  /** Node's headers, request and keep-alive timeouts of the HTTP server. */
  readonly httpHeadersTimeoutMs: number;
  readonly httpRequestTimeoutMs: number;
  readonly httpKeepAliveTimeoutMs: number;
  readonly databasePoolSize: number;
  readonly databaseConnectTimeoutMs: number;
  /** Days audit entry bodies are kept; unset keeps them forever. */
  readonly auditRetentionDays: number | undefined;
  /** Days succeeded and cancelled runs (steps, events) are kept, unless an integration says. */
  readonly retentionDays: number;
  /** How often the retention job runs. */
  readonly retentionIntervalMs: number;
  /** Base URL other systems reach the API at (resume URLs); unset: the API's own address. */
  readonly waitSweepMs: number;
  /** How long after a shadow run its intended writes are compared with the target (ms). */
  readonly shadowSettleMs: number;
  readonly reviewClaimSeconds: number;
  /** `JUNCTION_EGRESS_ALLOW` and `JUNCTION_EGRESS_DENY`, as entries. */
  readonly egressAllow: readonly string[];
  readonly egressDeny: readonly string[];
}

/** Every problem found in the configuration, listed at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

/** A list of egress entries; each bad entry is one problem. */
const egressList = z
  .string()
  .optional()
  .superRefine((text, ctx) => {
    for (const problem of parseEgressList(text).problems)
      ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform((text) => parseEgressList(text).entries);

const schema = z.object({
  pluginsDir: z.string().min(1).optional(),
  builtinPluginsDir: z.string().min(1).optional(),
  publicUrl: z
    .string()
    .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: 'must be an http(s) URL' })
    .optional(),
  npmRegistry: z.string().regex(/^https?:\/\/\S+$/, { error: 'must be an http(s) URL' }),
  pluginMaxBytes: integer(1024, 1024 * 1024 * 1024),
  pluginMaxFiles: integer(1, 1_000_000),
  pluginResyncMs: integer(100, 86_400_000),
  pluginUploadLimitBytes: integer(1024, 1024 * 1024 * 1024),
  pluginIsolation: z.enum(['installed', 'all', 'none'], {
    error: 'must be one of installed, all, none',
  }),
  pluginHosts: integer(1, 64),
  pluginHostMemoryMb: integer(64, 65_536),
  pluginHostIdleMs: integer(0, 86_400_000),
  pluginHostMaxMessageBytes: integer(1024, 1024 * 1024 * 1024),
  role: z.enum(['all', 'api', 'worker'], { error: 'must be one of all, api, worker' }),
  host: z.string().min(1, { error: 'must not be empty' }),
  port: integer(0, 65535),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, { error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  dataDir: z.string().min(1, { error: 'must not be empty' }),
  adminToken: z.string().min(16, { error: 'must be at least 16 characters long' }).optional(),
  secretKey: z
    .string()
    .refine((v) => parseSecretKey(v) !== undefined, {
      error: 'must be 32 bytes, as 64 hex characters or base64',
    })
    .optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    error: 'must be one of fatal, error, warn, info, debug, trace, silent',
  }),
  workerConcurrency: integer(1, 1000),
  workerPollIntervalMs: integer(50, 600_000),
  workerLocalQueueSize: integer(1, 10_000).optional(),
  workerLocalQueueTtlMs: integer(50, 3_600_000),
  workerHeartbeatMs: integer(50, 600_000),
  workerReapIntervalMs: integer(50, 600_000),
  workerDeadAfterMs: integer(200, 3_600_000),
  stepTimeoutMs: integer(100, 900_000), // STEP_TIMEOUT_MAX_MS of integration-definition.ts
  syncPageSize: integer(10, 10_000),
  detachedCallsMax: integer(0, 100_000),
  shutdownTimeoutMs: integer(0, 3_600_000),
  bodyLimitBytes: integer(1024, 1024 * 1024 * 1024),
  jsonMaxDepth: integer(8, 1000),
  httpHeadersTimeoutMs: integer(100, 3_600_000),
  httpRequestTimeoutMs: integer(100, 3_600_000),
  httpKeepAliveTimeoutMs: integer(100, 3_600_000),
  databasePoolSize: integer(2, 1000),
  databaseConnectTimeoutMs: integer(100, 600_000),
  auditRetentionDays: integer(1, 36_500).optional(),
  retentionDays: integer(1, 36_500),
  retentionIntervalMs: integer(1000, 86_400_000),
  waitSweepMs: integer(50, 600_000),
  shadowSettleMs: integer(0, 7 * 86_400_000),
  reviewClaimSeconds: integer(10, 86_400),
  egressAllow: egressList,
  egressDeny: egressList,
});

/** Settings that only make sense together. */
const consistent = schema
  .refine((c) => c.workerDeadAfterMs > 2 * c.workerHeartbeatMs, {
    path: ['workerDeadAfterMs'],
    error:
      'must be more than twice JUNCTION_WORKER_HEARTBEAT_MS, or live workers are declared dead',
  })
  .refine((c) => c.httpHeadersTimeoutMs <= c.httpRequestTimeoutMs, {
    path: ['httpHeadersTimeoutMs'],
    error: 'must not be more than JUNCTION_HTTP_REQUEST_TIMEOUT_MS, which includes the headers',
  });

/** Values given on the command line, by configuration key. They win over the environment. */
export type ConfigFlags = Partial<Record<ConfigKey, string | number | undefined>>;

/**
 * Builds the configuration from environment variables and command-line flags, with defaults.
 * Throws a {@link ConfigError} that lists every problem at once.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  flags: ConfigFlags = {},
): JunctionConfig {
  const raw: Record<string, unknown> = {};
  for (const option of configOptions) {
    const flag = flags[option.key];
    const fromEnv = env[option.env];
    const value = flag ?? (fromEnv === '' ? undefined : fromEnv) ?? option.default;
    raw[option.key] = value;
  }
  const parsed = consistent.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0]) as ConfigKey;
      const option = configOptions.find((o) => o.key === key);
      const where = option ? `${option.env}${option.flag ? ` (${option.flag})` : ''}` : key;
      const given = raw[key] === undefined ? '' : `; got ${JSON.stringify(String(raw[key]))}`;
      const secret = key === 'adminToken' || key === 'secretKey';
      return `${where} ${issue.message}${secret ? '' : given}`;
    });
    throw new ConfigError(problems);
  }
  const config = parsed.data;
  return {
    ...config,
    databaseUrl: config.databaseUrl,
    adminToken: config.adminToken,
    auditRetentionDays: config.auditRetentionDays,
    egressAllow: config.egressAllow,
    egressDeny: config.egressDeny,
    secretKey: config.secretKey,
    publicUrl: config.publicUrl?.replace(/\/+$/, ''),
    workerLocalQueueSize: config.workerLocalQueueSize,
    pluginsDir: config.pluginsDir,
    builtinPluginsDir: config.builtinPluginsDir,
    dataDir: path.resolve(config.dataDir),
  };
}
