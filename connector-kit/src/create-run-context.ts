import { type AuthDefinition, type Credentials, secretValues } from './auth.js';
import { guardOf } from './egress-guard.js';
import type { EgressRules } from './egress-rules.js';
import { createHttpClient, type HttpClientOptions } from './http-client.js';
import { createLogger, type LogEntry } from './logger.js';
import type { ConnectionInfo, RunContext, StateStore } from './run-context.js';
import { createWaitRequest } from './wait.js';

/**
 * Options of {@link createRunContext}: what the platform knows about one step.
 *
 * @example
 * ```ts
 * createRunContext({ auth, credentials, state, logSink, signal, idempotencyKey, connection, settings });
 * ```
 */
export interface RunContextOptions {
  readonly auth: AuthDefinition;
  /** Resolved credentials; for OAuth 2.0, with a fresh `accessToken`. */
  readonly credentials: Credentials;
  readonly state: StateStore;
  /** Receives every log entry, already redacted. */
  readonly logSink: (entry: LogEntry) => void;
  readonly signal: AbortSignal;
  readonly idempotencyKey: string;
  readonly connection: ConnectionInfo;
  /** The trigger's or action's settings from the integration; default `{}`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Usually `connection.settings?.baseUrl ?? connector.baseUrl`. */
  readonly baseUrl?: string;
  /** The step's resume URL (`ctx.resumeUrl`), for actions that may wait for a callback. */
  readonly resumeUrl?: string;
  /**
   * Where plugin code may connect (`ctx.egress`, which `ctx.http` goes through). Default: no
   * operator lists, so only the built-in refusals apply (link-local and cloud metadata).
   */
  readonly egress?: EgressRules;
  /** Timeouts, retries, backoff, extra headers, a custom fetch. */
  readonly http?: Omit<HttpClientOptions, 'auth' | 'credentials' | 'signal' | 'baseUrl'>;
}

const noLists: EgressRules = {};

/**
 * Builds the {@link RunContext} plugin code receives: an HTTP client that injects the
 * connection's auth, shares the step's abort signal and connects only where the egress rules
 * allow, the egress guard itself (for database drivers), and a logger that redacts the
 * connection's secret values. This is what the platform's executor calls for every step,
 * poll and webhook.
 *
 * @example
 * ```ts
 * const ctx = createRunContext({
 *   auth: connector.auth, credentials, state, signal, idempotencyKey: `${runId}:${stepId}`,
 *   connection: { id, name }, settings: definition.trigger.settings, baseUrl: connector.baseUrl, logSink: (e) => log.child({ runId })[e.level](e),
 * });
 * ```
 */
export function createRunContext(options: RunContextOptions): RunContext {
  // The HTTP client and the logger are made on first use: many calls (a webhook's signature
  // check, a database action) need neither.
  let http: RunContext['http'] | undefined;
  let logger: RunContext['logger'] | undefined;
  const rules = options.egress ?? noLists;
  return {
    credentials: options.credentials,
    get egress() {
      return guardOf(rules);
    },
    get http() {
      http ??= createHttpClient({
        egress: guardOf(rules),
        ...options.http,
        auth: options.auth,
        credentials: options.credentials,
        signal: options.signal,
        ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
      });
      return http;
    },
    state: options.state,
    get logger() {
      logger ??= createLogger({
        secrets: secretValues(options.auth, options.credentials),
        sink: options.logSink,
      });
      return logger;
    },
    // Read when asked: an executor may make its signal only for the plugins that use it.
    get signal() {
      return options.signal;
    },
    idempotencyKey: options.idempotencyKey,
    connection: options.connection,
    settings: options.settings ?? {},
    resumeUrl: options.resumeUrl,
    wait: (waitOptions) => createWaitRequest(waitOptions, options.resumeUrl !== undefined),
  };
}
