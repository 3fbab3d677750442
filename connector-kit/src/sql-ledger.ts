import type { Credentials } from './auth.js';
import { field } from './field.js';

/**
 * The SQL dialects an idempotency ledger speaks: PostgreSQL (`$1` placeholders, `on conflict`)
 * or MySQL/MariaDB (`?` placeholders, `insert ignore`).
 */
export type SqlLedgerDialect = 'postgres' | 'mysql';

/**
 * What a ledger needs of a database session: one statement at a time, with its rows and the
 * number of rows it changed. Adapt a driver's client to it (node-postgres: `rowCount`, mysql2:
 * `affectedRows`).
 *
 * @example
 * ```ts
 * const session: LedgerSession = {
 *   query: async (text, values) => {
 *     const r = await client.query(text, values);
 *     return { rows: r.rows, changed: r.rowCount ?? 0 };
 *   },
 * };
 * ```
 */
export interface LedgerSession {
  query(
    text: string,
    values: readonly unknown[],
  ): Promise<{ rows: readonly Record<string, unknown>[]; changed: number }>;
}

/** How a ledger is kept: its table (created when missing) and how long keys are remembered. */
export interface SqlLedgerOptions {
  readonly dialect: SqlLedgerDialect;
  /** Table name, a plain identifier; default `junction_idempotency_keys`. */
  readonly table?: string;
  /** Days a key is remembered: a step sent again after that is written again. Default 30. */
  readonly retentionDays?: number;
}

/** The default ledger table, created in the connection's default schema or database. */
export const DEFAULT_LEDGER_TABLE = 'junction_idempotency_keys';
/** Days a key is kept by default. */
export const DEFAULT_LEDGER_RETENTION_DAYS = 30;
/** Keys older than the retention are deleted at most this often per ledger (ms). */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * An idempotency ledger kept in the target database itself, so that a write and the record of
 * its idempotency key commit in ONE transaction: a write sent again with the same key (after a
 * crash, a timeout, a replay) returns the first write's stored output instead of writing twice.
 * That is what makes inserts into a table without a natural key take effect exactly once.
 *
 * The ledger is a table `(idempotency_key primary key, output, created_at)`, created on first
 * use (the connection's user needs the right to create it, or an administrator creates it with
 * `ledger.createSql`); keys older than `retentionDays` are deleted, at most once an hour. Keep
 * one ledger per target database (per connection pool): it remembers that its table exists.
 *
 * @example
 * ```ts
 * const ledger = createSqlLedger({ dialect: 'postgres' });
 * const output = await ledger.writeOnce(session, ctx.idempotencyKey, async () => {
 *   const r = await session.query('insert into contacts (email) values ($1) returning id', [email]);
 *   return { id: r.rows[0]?.id };
 * });
 * ```
 */
export function createSqlLedger(options: SqlLedgerOptions) {
  const table = options.table ?? DEFAULT_LEDGER_TABLE;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table))
    throw new Error(`The ledger table "${table}" is not a plain SQL identifier.`);
  const days = options.retentionDays ?? DEFAULT_LEDGER_RETENTION_DAYS;
  const postgres = options.dialect === 'postgres';
  const p = (n: number) => (postgres ? `$${n}` : '?');
  const createSql = postgres
    ? `create table if not exists ${table} (idempotency_key text primary key, output jsonb, created_at timestamptz not null default now())`
    : `create table if not exists ${table} (idempotency_key varchar(255) primary key, output json null, created_at timestamp(3) not null default current_timestamp(3))`;
  // Inserting the key first takes its lock: a second transaction with the same key waits for
  // the first to commit (then finds its output) or roll back (then writes itself).
  const claimSql = postgres
    ? `insert into ${table} (idempotency_key) values (${p(1)}) on conflict do nothing`
    : `insert ignore into ${table} (idempotency_key) values (${p(1)})`;
  const readSql = `select output from ${table} where idempotency_key = ${p(1)}`;
  const recordSql = `update ${table} set output = ${p(1)} where idempotency_key = ${p(2)}`;
  const pruneSql = postgres
    ? `delete from ${table} where created_at < now() - make_interval(days => ${p(1)})`
    : `delete from ${table} where created_at < now() - interval ${p(1)} day`;
  let created = false;
  let prunedAt = 0;

  return {
    table,
    retentionDays: days,
    /** The statement that creates the ledger table (run on first use when missing). */
    createSql,
    /**
     * Runs `write` once per `key`: in one transaction, records the key, runs the write and
     * stores its output; if the key is already recorded, returns the stored output and writes
     * nothing. The session must not be in a transaction already.
     */
    async writeOnce<T>(session: LedgerSession, key: string, write: () => Promise<T>): Promise<T> {
      if (!created) {
        try {
          await session.query(createSql, []);
        } catch {
          // Two sessions (two Junction processes, two steps) creating the table at the same
          // moment: PostgreSQL lets one of them fail on its catalog's unique index once the other
          // has committed. The table is there then, and this finds it; any other error comes back.
          await session.query(createSql, []);
        }
        created = true;
      }
      await session.query('begin', []);
      try {
        const claimed = await session.query(claimSql, [key]);
        let output: T;
        if (claimed.changed === 0) {
          const stored = await session.query(readSql, [key]);
          const value = stored.rows[0]?.output;
          output = (typeof value === 'string' ? JSON.parse(value) : value) as T;
        } else {
          output = await write();
          await session.query(recordSql, [JSON.stringify(output ?? null), key]);
        }
        if (Date.now() - prunedAt > PRUNE_EVERY_MS) {
          prunedAt = Date.now();
          await session.query(pruneSql, [days]);
        }
        await session.query('commit', []);
        return output;
      } catch (error) {
        await session.query('rollback', []).catch(() => {});
        throw error;
      }
    },
  };
}

export type SqlLedger = ReturnType<typeof createSqlLedger>;

/**
 * The connection fields that turn a SQL connector's idempotency ledger on, for its
 * `connectionFields`: `idempotencyLedger` (off by default) and `idempotencyLedgerDays`.
 *
 * @example
 * ```ts
 * export const connectionFields = { connectionString: field.string(), ...ledgerFields };
 * ```
 */
export const ledgerFields = {
  idempotencyLedger: field.boolean({
    required: false,
    default: false,
    label: 'Idempotency ledger',
    description: `Record each write's idempotency key in a table of the target database (${DEFAULT_LEDGER_TABLE}, created when missing), in the write's own transaction, so that a write sent again (after a crash, a timeout or a replay) takes effect once. Needs the right to create that table, or an administrator creates it first.`,
  }),
  idempotencyLedgerDays: field.integer({
    required: false,
    minimum: 1,
    maximum: 3650,
    default: DEFAULT_LEDGER_RETENTION_DAYS,
    label: 'Ledger retention (days)',
    description:
      'Days a key is remembered; a step sent again after that is written again. Older keys are deleted, at most once an hour.',
  }),
} as const;

/**
 * Whether a connection's credentials turn the ledger on (`idempotencyLedger`), for an action's
 * `idempotentWhen`; its retention in days otherwise.
 *
 * @example
 * ```ts
 * idempotentWhen: ({ credentials }) => usesLedger(credentials) !== undefined,
 * ```
 */
export function usesLedger(credentials: Credentials): number | undefined {
  if (credentials.idempotencyLedger !== true) return undefined;
  const days = credentials.idempotencyLedgerDays;
  return typeof days === 'number' ? days : DEFAULT_LEDGER_RETENTION_DAYS;
}
