import type { AuthDefinition, Credentials } from '../auth.js';
import { createRunContext } from '../create-run-context.js';
import type { EgressRules } from '../egress-rules.js';
import type { HttpClientOptions } from '../http-client.js';
import type { LogEntry } from '../logger.js';
import { type ConnectionInfo, createMemoryState, type RunContext } from '../run-context.js';

/**
 * Options of {@link createTestContext}.
 *
 * @example
 * ```ts
 * createTestContext({ auth: connector.auth, credentials: { apiKey: 'k' }, state: { cursor: 'c1' }, settings: { table: 'contacts' } });
 * ```
 */
export interface TestContextOptions {
  /** The auth the HTTP client injects (usually `connector.auth`); default none. */
  readonly auth?: AuthDefinition;
  readonly credentials?: Credentials;
  /** Initial state values. */
  readonly state?: Record<string, unknown>;
  /** Base URL of the HTTP client (point it at `startTestServer().url`). */
  readonly baseUrl?: string;
  /** Extra HTTP client options; retries default to 2 and backoff to 10 ms in tests. */
  readonly http?: Omit<HttpClientOptions, 'auth' | 'credentials' | 'baseUrl' | 'signal'>;
  readonly signal?: AbortSignal;
  readonly idempotencyKey?: string;
  readonly connection?: ConnectionInfo;
  /** The trigger's or action's settings (`ctx.settings`); default `{}`. */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** `ctx.resumeUrl`; default a loopback URL that nothing serves (see `simulateCallback`). */
  readonly resumeUrl?: string;
  /** Egress rules (`ctx.egress`); default none beyond the built-in refusals. */
  readonly egress?: EgressRules;
}

/**
 * A {@link RunContext} plus what a test wants to look at afterwards.
 *
 * @example
 * ```ts
 * expect(ctx.logs.map((l) => l.message)).toContain('created'); expect(ctx.stateSnapshot()).toEqual({ cursor: 'c2' });
 * ```
 */
export interface TestContext extends RunContext {
  /** Every log entry, already redacted. */
  readonly logs: LogEntry[];
  /** Current state values. */
  readonly stateSnapshot: () => Record<string, unknown>;
}

/**
 * A run context for tests: in-memory state, a capturing redacting logger, and a real HTTP
 * client (point `baseUrl` at a loopback {@link startTestServer}).
 *
 * @example
 * ```ts
 * const ctx = createTestContext({ auth: connector.auth, credentials: { apiKey: 'k' }, baseUrl: server.url });
 * ```
 */
export function createTestContext(options: TestContextOptions = {}): TestContext {
  const logs: LogEntry[] = [];
  const state = createMemoryState(options.state);
  const ctx = createRunContext({
    auth: options.auth ?? { kind: 'none' },
    credentials: options.credentials ?? {},
    state,
    logSink: (entry) => logs.push(entry),
    signal: options.signal ?? new AbortController().signal,
    idempotencyKey: options.idempotencyKey ?? 'test-idempotency-key',
    connection: options.connection ?? { id: 'test-connection', name: 'Test connection' },
    settings: options.settings ?? {},
    resumeUrl: options.resumeUrl ?? 'http://127.0.0.1:9/callbacks/test-wait',
    ...(options.egress === undefined ? {} : { egress: options.egress }),
    http: { retries: 2, backoffMs: 10, timeoutMs: 5_000, ...options.http },
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
  });
  return { ...ctx, logs, stateSnapshot: state.snapshot };
}
