import {
  AuthError,
  ConnectorError,
  type Credentials,
  createSqlLedger,
  RetryableError,
  type RunContext,
  usesLedger,
} from '@junction/connector-kit';
import type mysql from 'mysql2/promise';
import { type PoolEntry, poolFor } from './pool-registry.js';
import { toSqlError } from './sql-error.js';

const CONNECT_TIMEOUT_MS = 10_000;

function text(credentials: Credentials, key: string): string | undefined {
  const value = credentials[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}

/**
 * The mysql2 options of a connection's credentials. Dates come back as the strings the server
 * prints (no time-zone shifts, full microseconds); big numbers as strings; one statement per
 * call (`multipleStatements: false`).
 *
 * @example
 * ```ts
 * const options = connectionOptions({ host: '127.0.0.1', user: 'root', database: 'test' });
 * ```
 */
export function connectionOptions(credentials: Credentials): mysql.PoolOptions {
  const ssl = text(credentials, 'ssl');
  const common: mysql.PoolOptions = {
    connectTimeout: CONNECT_TIMEOUT_MS,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    multipleStatements: false,
    ...(ssl === 'require' ? { ssl: { rejectUnauthorized: false } } : {}),
    ...(ssl === 'verify-full' ? { ssl: { rejectUnauthorized: true } } : {}),
  };
  const connectionString = text(credentials, 'connectionString');
  if (connectionString !== undefined) return { ...common, uri: connectionString };
  const host = text(credentials, 'host');
  if (host === undefined) {
    throw new AuthError('The MySQL connection has neither a connection string nor a host.');
  }
  const port = credentials.port;
  return {
    ...common,
    host,
    port: typeof port === 'number' ? port : 3306,
    ...optional('user', text(credentials, 'user')),
    ...optional('password', text(credentials, 'password')),
    ...optional('database', text(credentials, 'database')),
  };
}

/**
 * A checked-out connection and the table cache of its pool.
 *
 * @example
 * ```ts
 * await withConnection(ctx, ({ db }) => db.query('select 1'));
 * ```
 */
export interface Session {
  readonly db: mysql.PoolConnection;
  readonly tables: PoolEntry['tables'];
  /**
   * Runs `write` in one transaction; when the connection keeps an idempotency ledger
   * (`idempotencyLedger`), once per `ctx.idempotencyKey`: the key commits with the write, and a
   * write sent again returns the first one's output.
   */
  once<T>(write: () => Promise<T>): Promise<T>;
}

/** Server errors after which the pool's table descriptions are read again. */
const SCHEMA_CHANGED = new Set(['ER_BAD_FIELD_ERROR', 'ER_NO_SUCH_TABLE']);

function errorCode(thrown: unknown): string | undefined {
  if (typeof thrown !== 'object' || thrown === null || !('code' in thrown)) return undefined;
  return typeof thrown.code === 'string' ? thrown.code : undefined;
}

/** A statement the server answered with an error: the session itself is still sound. */
function serverError(thrown: unknown): boolean {
  return (
    typeof thrown === 'object' &&
    thrown !== null &&
    'sqlState' in thrown &&
    typeof thrown.sqlState === 'string' &&
    !('fatal' in thrown && thrown.fatal === true)
  );
}

function cancelled(signal: AbortSignal): RetryableError {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  return new RetryableError(`MySQL: the step was cancelled: ${reason}`, { cause: signal.reason });
}

/**
 * Checks a connection out of the connection's pool ({@link poolFor}; session time zone UTC, set
 * once per connection), runs `work`, and gives it back. An aborted `ctx.signal` kills the running
 * statement (`KILL QUERY`) and destroys that connection (it never returns to the pool); so does
 * an error that leaves the session in doubt. A statement failing on an unknown table or column
 * clears the pool's table cache. Errors come out classified by {@link toSqlError}.
 *
 * @example
 * ```ts
 * const [rows] = await withConnection(ctx, ({ db }) => db.execute('select 1'));
 * ```
 */
export async function withConnection<T>(
  ctx: RunContext,
  work: (session: Session) => Promise<T>,
): Promise<T> {
  // Every connection goes through the egress guard: the address it reaches is checked.
  const entry = poolFor(
    {
      ...connectionOptions(ctx.credentials),
      stream: ({ config }: { config: { port: number; host: string } }) =>
        ctx.egress.socket().connect(config.port, config.host),
    },
    ctx.egress.rules,
  );
  let db: mysql.PoolConnection | undefined;
  let done = false;
  const finish = (destroy: boolean) => {
    if (db === undefined || done) return;
    done = true;
    if (destroy) db.destroy();
    else db.release();
  };
  const onAbort = () => {
    if (db === undefined || done) return;
    const threadId = db.threadId;
    finish(true);
    void entry.pool.query('kill query ?', [threadId]).catch(() => {});
  };
  entry.checkedOut += 1;
  entry.lastUsed = Date.now();
  try {
    ctx.signal.throwIfAborted();
    db = await entry.pool.getConnection();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (!entry.prepared.has(db.connection)) {
      await db.query("set time_zone = '+00:00'");
      entry.prepared.add(db.connection);
    }
    ctx.signal.throwIfAborted();
    const connection = db;
    const days = usesLedger(ctx.credentials);
    const result = await work({
      db,
      tables: entry.tables,
      async once(write) {
        if (days !== undefined) {
          entry.ledger ??= createSqlLedger({ dialect: 'mysql', retentionDays: days });
          return entry.ledger.writeOnce(
            {
              query: async (text, values) => {
                const [r] = await connection.query(text, values as unknown[]);
                return Array.isArray(r)
                  ? { rows: r as Record<string, unknown>[], changed: 0 }
                  : { rows: [], changed: (r as mysql.ResultSetHeader).affectedRows };
              },
            },
            ctx.idempotencyKey,
            write,
          );
        }
        await connection.beginTransaction();
        try {
          const output = await write();
          await connection.commit();
          return output;
        } catch (thrown) {
          await connection.rollback().catch(() => {});
          throw thrown;
        }
      },
    });
    finish(false);
    return result;
  } catch (thrown) {
    const code = errorCode(thrown);
    if (code !== undefined && SCHEMA_CHANGED.has(code)) entry.tables.clear();
    // Our own refusals leave the session clean; so do statements the server refused.
    finish(!(thrown instanceof ConnectorError || serverError(thrown)));
    if (ctx.signal.aborted && !(thrown instanceof ConnectorError)) throw cancelled(ctx.signal);
    throw toSqlError(thrown);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    finish(true);
    entry.checkedOut -= 1;
    entry.lastUsed = Date.now();
  }
}
