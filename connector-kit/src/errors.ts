/**
 * The small, fixed set of error kinds the engine acts on.
 * - `retryable`: try again later with backoff.
 * - `rateLimited`: try again at `retryAt`.
 * - `auth`: the connection needs re-authentication; retrying will not help.
 * - `invalidInput`: the input is wrong; never retried.
 * - `unknown`: a plain `Error` thrown by plugin code; treated as retryable (see {@link toConnectorError}).
 *
 * @example
 * ```ts
 * if (error.kind === 'rateLimited') reschedule(error.retryAt);
 * ```
 */
export type ConnectorErrorKind = 'retryable' | 'rateLimited' | 'auth' | 'invalidInput' | 'unknown';

/**
 * One problem with an input, located by a JSON pointer (RFC 6901).
 *
 * @example
 * ```ts
 * const problem: InputProblem = { pointer: '/address/zip', message: 'is required' };
 * ```
 */
export interface InputProblem {
  readonly pointer: string;
  readonly message: string;
}

/**
 * Options shared by every connector error.
 *
 * @example
 * ```ts
 * new RetryableError('Upstream timed out', { status: 504, cause: error });
 * ```
 */
export interface ConnectorErrorOptions {
  readonly cause?: unknown;
  /** HTTP status of the response that caused the error, when there was one. */
  readonly status?: number;
}

/**
 * Base class of every error the kit and plugins throw on purpose.
 *
 * @example
 * ```ts
 * if (err instanceof ConnectorError && err.retryable) scheduleRetry();
 * ```
 */
export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly status: number | undefined;

  constructor(
    message: string,
    options: ConnectorErrorOptions & { kind?: ConnectorErrorKind } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = options.kind ?? 'unknown';
    this.status = options.status;
  }

  /** Whether the engine may try the same operation again. */
  get retryable(): boolean {
    return this.kind === 'retryable' || this.kind === 'rateLimited' || this.kind === 'unknown';
  }

  /** A plain JSON form (for step rows and logs); never includes the cause's secrets. */
  toJSON(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, message: this.message, status: this.status };
  }
}

/**
 * A transient failure (timeout, 5xx, network): retry with backoff.
 *
 * @example
 * ```ts
 * throw new RetryableError('Upstream returned 503', { status: 503 });
 * ```
 */
export class RetryableError extends ConnectorError {
  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super(message, { ...options, kind: 'retryable' });
    this.name = 'RetryableError';
  }
}

/**
 * The remote system asks us to slow down until `retryAt`.
 *
 * @example
 * ```ts
 * throw new RateLimitedError('Too many requests', { retryAt: new Date(Date.now() + 30_000) });
 * ```
 */
export class RateLimitedError extends ConnectorError {
  readonly retryAt: Date;

  constructor(message: string, options: ConnectorErrorOptions & { retryAt: Date }) {
    super(message, { ...options, kind: 'rateLimited' });
    this.name = 'RateLimitedError';
    this.retryAt = options.retryAt;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAt: this.retryAt.toISOString() };
  }
}

/**
 * The credentials are missing, expired or refused: the connection needs re-authentication.
 *
 * @example
 * ```ts
 * throw new AuthError('API key was revoked', { status: 401 });
 * ```
 */
export class AuthError extends ConnectorError {
  constructor(message: string, options: ConnectorErrorOptions = {}) {
    super(message, { ...options, kind: 'auth' });
    this.name = 'AuthError';
  }
}

/**
 * The input is wrong; retrying the same input can never succeed.
 *
 * @example
 * ```ts
 * throw new InvalidInputError('Bad email', { problems: [{ pointer: '/email', message: 'must be an email' }] });
 * ```
 */
export class InvalidInputError extends ConnectorError {
  readonly problems: readonly InputProblem[];

  constructor(
    message: string,
    options: ConnectorErrorOptions & { problems?: readonly InputProblem[] } = {},
  ) {
    super(message, { ...options, kind: 'invalidInput' });
    this.name = 'InvalidInputError';
    this.problems = options.problems ?? [];
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), problems: this.problems };
  }
}

/**
 * A connection the egress rules refuse (Junction's own ports or database, link-local and cloud
 * metadata addresses, the operator's deny and allow lists). Never retried: the same call would be
 * refused again. `rule` names the rule, as the operator's settings and docs/security.md name it.
 *
 * @example
 * ```ts
 * new EgressRefusedError({ rule: 'link-local', reason: '169.254.169.254, port 80 is a link-local address' });
 * ```
 */
export class EgressRefusedError extends InvalidInputError {
  readonly rule: string;

  constructor(refusal: { readonly rule: string; readonly reason: string }) {
    super(`Connection refused by the egress rule "${refusal.rule}": ${refusal.reason}.`);
    this.name = 'EgressRefusedError';
    this.rule = refusal.rule;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), rule: this.rule };
  }
}

/** The egress refusal an error was caused by (fetch and drivers wrap it), if any. */
export function egressRefusalIn(thrown: unknown): EgressRefusedError | undefined {
  let current = thrown;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof EgressRefusedError) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Wraps anything thrown by plugin code into a {@link ConnectorError}. A `ConnectorError` is
 * returned as is; any other value becomes kind `unknown`, which the engine retries with backoff
 * (bounded by its attempt limit), because most unexpected throws (a dropped socket, a parse error
 * of a truncated body) are transient. Plugins that know better throw `InvalidInputError`. An
 * error caused by an {@link EgressRefusedError} (a driver's connect error) becomes that refusal.
 *
 * @example
 * ```ts
 * const error = toConnectorError(new TypeError('x is undefined')); // kind 'unknown'
 * ```
 */
export function toConnectorError(thrown: unknown): ConnectorError {
  if (thrown instanceof ConnectorError) return thrown;
  const refused = egressRefusalIn(thrown);
  if (refused !== undefined) return refused;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ConnectorError(message, { kind: 'unknown', cause: thrown });
}

/**
 * Rebuilds a {@link ConnectorError} from its `toJSON()` form, e.g. after it crossed a process
 * boundary (a plugin running in a worker process). Unknown shapes become kind `unknown`.
 *
 * @example
 * ```ts
 * const error = connectorErrorFromJSON(JSON.parse(line)); // RateLimitedError with retryAt
 * ```
 */
export function connectorErrorFromJSON(json: unknown): ConnectorError {
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const message = typeof o.message === 'string' ? o.message : 'Unknown connector error';
  const status = typeof o.status === 'number' ? { status: o.status } : {};
  switch (o.kind) {
    case 'retryable':
      return new RetryableError(message, status);
    case 'rateLimited': {
      const retryAt = new Date(typeof o.retryAt === 'string' ? o.retryAt : Date.now() + 60_000);
      return new RateLimitedError(message, { ...status, retryAt });
    }
    case 'auth':
      return new AuthError(message, status);
    case 'invalidInput': {
      const problems = Array.isArray(o.problems) ? (o.problems as InputProblem[]) : [];
      return new InvalidInputError(message, { ...status, problems });
    }
    default:
      return new ConnectorError(message, { ...status, kind: 'unknown' });
  }
}
