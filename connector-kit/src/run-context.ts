import type { Credentials } from './auth.js';
import type { EgressGuard } from './egress-guard.js';
import type { FieldSet, InferFields } from './field.js';
import type { HttpClient } from './http-client.js';
import type { Logger } from './logger.js';
import type { WaitOptions, WaitRequest } from './wait.js';

/**
 * Async key-value storage private to one integration (cursors, webhook secrets, ids). Values
 * must be JSON-serialisable.
 *
 * @example
 * ```ts
 * await ctx.state.set('lastSeenId', 42);
 * const last = await ctx.state.get<number>('lastSeenId');
 * ```
 */
export interface StateStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * What plugin code may know about the connection it runs for.
 *
 * @example
 * ```ts
 * const sandbox = ctx.connection.settings?.sandbox === true;
 * ```
 */
export interface ConnectionInfo {
  readonly id: string;
  readonly name: string;
  /** Non-secret settings of the connection (region, sandbox flag...). */
  readonly settings?: Readonly<Record<string, unknown>>;
}

/**
 * Settings of one trigger or action as plugin code sees them (`ctx.settings`): typed from the
 * declared `settings` fields (defaults filled in), or a plain record when none are declared.
 *
 * @example
 * ```ts
 * type S = SettingsOf<{ table: StringField<true> }>; // Readonly<{ table: string }>
 * ```
 */
export type SettingsOf<S extends FieldSet> = string extends keyof S
  ? Readonly<Record<string, unknown>>
  : Readonly<InferFields<S>>;

/**
 * Everything plugin code receives when it runs: credentials, an HTTP client that already
 * injects auth and applies timeouts and retries, per-integration state, a redacting logger,
 * an abort signal, and an idempotency key stable across retries of the same step.
 *
 * @example
 * ```ts
 * async run(ctx, input) {
 *   ctx.logger.info('creating contact', { email: input.email });
 *   return ctx.http.post('/contacts', input, { headers: { 'idempotency-key': ctx.idempotencyKey } });
 * }
 * ```
 */
export interface RunContext<
  S extends Readonly<Record<string, unknown>> = Readonly<Record<string, unknown>>,
> {
  /** The resolved credential values (for OAuth 2.0: the current access token, already refreshed). */
  readonly credentials: Credentials;
  readonly http: HttpClient;
  /**
   * Where this plugin may connect, as the operator set it (`JUNCTION_EGRESS_ALLOW`,
   * `JUNCTION_EGRESS_DENY`, and Junction's own ports and database, always refused). `ctx.http`
   * already goes through it; a database driver connects through `ctx.egress.socket()`.
   */
  readonly egress: EgressGuard;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  /** Stable for one step across retries; send it to APIs that support idempotency keys. */
  readonly idempotencyKey: string;
  readonly connection: ConnectionInfo;
  /**
   * The settings of the trigger or action being run, from the integration (a table name, a
   * signature scheme...); `{}` when there are none. Checked against the declared `settings`
   * fields, with defaults filled in, before plugin code is called.
   */
  readonly settings: S;
  /**
   * The signed, single-use URL that settles this step when `ctx.wait({ callback: true })` parks its
   * run: give it to the system doing the work, which POSTs the result (JSON) to it. Undefined
   * where the step cannot wait (triggers, connection tests).
   */
  readonly resumeUrl: string | undefined;
  /**
   * Parks the run instead of answering now: return its result from `run`. The run holds no worker
   * while it waits; it resumes when the callback arrives at `resumeUrl` (verified, at most once),
   * when `poll` finds the result, or at the deadline as `onTimeout` says.
   *
   * @example
   * ```ts
   * await ctx.http.post('/exports', { callbackUrl: ctx.resumeUrl });
   * return ctx.wait({ callback: true, deadlineSeconds: 900, onTimeout: 'retry' });
   * ```
   */
  wait(options: WaitOptions): WaitRequest;
}

/**
 * An in-memory {@link StateStore} (tests, local runs). Values are copied through JSON, like a
 * real store would.
 *
 * @example
 * ```ts
 * const state = createMemoryState({ cursor: 'abc' });
 * ```
 */
export function createMemoryState(initial: Record<string, unknown> = {}): StateStore & {
  readonly snapshot: () => Record<string, unknown>;
} {
  const map = new Map<string, string>();
  for (const [k, v] of Object.entries(initial)) map.set(k, JSON.stringify(v));
  return {
    async get<T>(key: string) {
      const raw = map.get(key);
      return raw === undefined ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value) {
      map.set(key, JSON.stringify(value));
    },
    async delete(key) {
      map.delete(key);
    },
    snapshot: () => Object.fromEntries([...map].map(([k, v]) => [k, JSON.parse(v)])),
  };
}
