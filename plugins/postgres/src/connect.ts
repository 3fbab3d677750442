import { createHash } from 'node:crypto';
import {
  AuthError,
  ConnectorError,
  type Credentials,
  createSqlLedger,
  RetryableError,
  type RunContext,
  usesLedger,
} from '@junction/connector-kit';
import pg from 'pg';
import { type PoolEntry, poolFor } from './pool-registry.js';
import { toSqlError } from './sql-error.js';

/** Per-statement limit so a stuck query fails its step instead of holding a worker. */
const STATEMENT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** SQLSTATEs after which the cached column lists of the pool are read again. */
const SCHEMA_CHANGED = new Set(['42703', '42P01', '42804']);
/** SQLSTATE classes after which a client is not trusted again (connection, operator, system). */
const BROKEN = new Set(['08', '57', '58', 'XX']);

function text(credentials: Credentials, key: string): string | undefined {
  const value = credentials[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The node-postgres client configuration of a connection's credentials. Sessions run in UTC
 * so timestamps read back as text are stable.
 *
 * @example
 * ```ts
 * const config = clientConfig({ connectionString: 'postgres://u:p@localhost/db' });
 * ```
 */
export function clientConfig(credentials: Credentials): pg.ClientConfig {
  const ssl = text(credentials, 'ssl');
  const common: pg.ClientConfig = {
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    options: '-c TimeZone=UTC',
    application_name: 'junction',
    ...(ssl === 'require' ? { ssl: { rejectUnauthorized: false } } : {}),
    ...(ssl === 'verify-full' ? { ssl: { rejectUnauthorized: true } } : {}),
  };
  const connectionString = text(credentials, 'connectionString');
  if (connectionString !== undefined) return { ...common, connectionString };
  const host = text(credentials, 'host');
  if (host === undefined) {
    throw new AuthError('The PostgreSQL connection has neither a connection string nor a host.');
  }
  const port = credentials.port;
  return {
    ...common,
    host,
    port: typeof port === 'number' ? port : 5432,
    ...optional('user', text(credentials, 'user')),
    ...optional('password', text(credentials, 'password')),
    ...optional('database', text(credentials, 'database')),
  };
}

/** The database a client configuration opens (PostgreSQL's default: the user's name). */
function databaseOf(config: pg.ClientConfig): string {
  if (config.connectionString !== undefined) {
    const url = new URL(config.connectionString);
    const named = url.searchParams.get('dbname') ?? decodeURIComponent(url.pathname.slice(1));
    return named || decodeURIComponent(url.username) || 'postgres';
  }
  return config.database ?? config.user ?? 'postgres';
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}

/**
 * A checked-out client and the column cache of its pool.
 *
 * @example
 * ```ts
 * await withClient(ctx, ({ client }) => client.query('select 1'));
 * ```
 */
export interface Session {
  readonly client: pg.PoolClient;
  readonly tables: PoolEntry['tables'];
  /**
   * Runs a statement the client prepares once (named after its text) and then only binds and
   * executes: the actions' statements differ only by table and columns, so each client keeps a
   * few and skips parsing and planning on every later call.
   */
  prepared<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /**
   * Runs `write` once per `ctx.idempotencyKey` when the connection keeps an idempotency ledger
   * (`idempotencyLedger`): the key and the write commit in one transaction, and a write sent
   * again returns the first one's output. Without a ledger, runs `write` as it is.
   */
  once<T>(write: () => Promise<T>): Promise<T>;
}

const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `junction_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    if (statementNames.size > 1000) statementNames.clear();
    statementNames.set(text, name);
  }
  return name;
}

function sqlState(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('code' in thrown)) return undefined;
  return typeof thrown.code === 'string' && thrown.code.length === 5 ? thrown.code : undefined;
}

/** The parts of node-postgres a cancel request needs (present on every client, untyped). */
interface CancelInternals {
  readonly processID: number | null;
  readonly secretKey: unknown;
  readonly host: string;
  readonly port: number;
  readonly connection: {
    on(event: 'connect' | 'error', listener: () => void): void;
    connect(port: number | string, host?: string): void;
    cancel(processID: number, secretKey: unknown): void;
  };
}

/**
 * Asks the server to cancel what `client` is running: the protocol's cancel request (process id
 * and secret key, no login) on its own short connection, as node-postgres does for a query. The
 * client is destroyed right after, so nothing else can run on it meanwhile.
 */
function cancelRunning(config: pg.ClientConfig, client: pg.PoolClient): void {
  const target = client as unknown as CancelInternals;
  const processID = target.processID;
  if (processID === null) return;
  const canceller = new pg.Client(config) as unknown as CancelInternals;
  const con = canceller.connection;
  con.on('error', () => {});
  con.on('connect', () => con.cancel(processID, target.secretKey));
  if (canceller.host.startsWith('/')) con.connect(`${canceller.host}/.s.PGSQL.${canceller.port}`);
  else con.connect(canceller.port, canceller.host);
}

function cancelled(signal: AbortSignal): RetryableError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  return new RetryableError(`PostgreSQL: the step was cancelled: ${reason}`, {
    cause: signal.reason,
  });
}

/**
 * Checks a client out of the connection's pool ({@link poolFor}, of `poolSize` clients), runs
 * `work`, and gives it back. An aborted `ctx.signal` cancels the running statement and destroys
 * that client (it never returns to the pool); so does an error that leaves the session in doubt.
 * A statement failing on an unknown table or column clears the pool's column cache. Errors come
 * out classified by {@link toSqlError}.
 *
 * @example
 * ```ts
 * const result = await withClient(ctx, ({ client }) => client.query('select 1'));
 * ```
 */
export async function withClient<T>(
  ctx: RunContext,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  // Every session connects through the egress guard: the address it reaches is checked.
  const base = clientConfig(ctx.credentials);
  const about = { postgresDatabase: databaseOf(base) };
  const config = { ...base, stream: () => ctx.egress.socket(about) };
  const size = ctx.credentials.poolSize;
  const entry = poolFor(config, typeof size === 'number' ? size : undefined, ctx.egress.rules);
  let client: pg.PoolClient | undefined;
  let released = false;
  const release = (destroy: boolean) => {
    if (client === undefined || released) return;
    released = true;
    client.release(destroy ? new Error('PostgreSQL client discarded') : undefined);
  };
  const onAbort = () => {
    if (client === undefined || released) return;
    cancelRunning(config, client);
    release(true);
  };
  entry.checkedOut += 1;
  entry.lastUsed = Date.now();
  try {
    ctx.signal.throwIfAborted();
    client = await entry.pool.connect();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    ctx.signal.throwIfAborted();
    const checkedOut = client;
    const days = usesLedger(ctx.credentials);
    const result = await work({
      client,
      tables: entry.tables,
      prepared: (text, values) => checkedOut.query({ name: statementName(text), text, values }),
      once(write) {
        if (days === undefined) return write();
        entry.ledger ??= createSqlLedger({ dialect: 'postgres', retentionDays: days });
        return entry.ledger.writeOnce(
          {
            query: async (text, values) => {
              const r = await checkedOut.query(text, values as unknown[]);
              return { rows: r.rows, changed: r.rowCount ?? 0 };
            },
          },
          ctx.idempotencyKey,
          write,
        );
      },
    });
    release(false);
    return result;
  } catch (thrown) {
    const code = sqlState(thrown);
    if (code !== undefined && SCHEMA_CHANGED.has(code)) entry.tables.clear();
    // Our own refusals leave the session clean; so do ordinary statement errors.
    release(
      code === undefined ? !(thrown instanceof ConnectorError) : BROKEN.has(code.slice(0, 2)),
    );
    if (ctx.signal.aborted && !(thrown instanceof ConnectorError)) throw cancelled(ctx.signal);
    throw toSqlError(thrown);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    if (!released) release(true);
    entry.checkedOut -= 1;
    entry.lastUsed = Date.now();
  }
}
