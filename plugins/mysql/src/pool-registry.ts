import { createHmac, randomBytes } from 'node:crypto';
import {
  createTableCache,
  type EgressRules,
  type SqlLedger,
  type TableCache,
} from '@junction/connector-kit';
import mysql from 'mysql2/promise';

/** Connections per pool: a connection's steps share a few sessions instead of opening one each. */
const POOL_MAX = 5;
/** An idle connection is closed after this long. */
const IDLE_CONNECTION_MS = 30_000;
/** A pool nobody checked a connection out of for this long is closed entirely. */
const IDLE_POOL_MS = 3 * 60_000;
/** How often idle connections and pools are looked for. */
const SWEEP_MS = 5_000;
/** How long a table's description is trusted. */
const TABLE_TTL_MS = 60_000;

/** A table as information_schema describes it: schema, columns (name to type), unique columns. */
export interface TableShape {
  readonly schema: string;
  readonly columns: ReadonlyMap<string, string>;
  readonly uniqueColumns: ReadonlySet<string>;
}

/** The socket of a core mysql2 connection (untyped there), to let an idle one not hold the process. */
interface CoreConnection {
  readonly stream?: { ref?(): void; unref?(): void };
  destroy(): void;
}

/**
 * One pool of connections for one set of connection settings, with its cache of tables.
 *
 * @example
 * ```ts
 * const entry = poolFor(connectionOptions(ctx.credentials));
 * const db = await entry.pool.getConnection();
 * ```
 */
export interface PoolEntry {
  readonly pool: mysql.Pool;
  readonly tables: TableCache<TableShape>;
  /** Connections whose session was set up (time zone UTC). */
  readonly prepared: WeakSet<object>;
  /** The database's idempotency ledger, made on first use (it remembers its table exists). */
  ledger?: SqlLedger;
  /** Idle connections, by when they were given back. */
  readonly idle: Map<CoreConnection, number>;
  lastUsed: number;
  checkedOut: number;
}

const entries = new Map<string, PoolEntry>();
let salt: Buffer | undefined;
let sweeper: NodeJS.Timeout | undefined;
let created = 0;

/** A process-local keyed hash of the settings: equal settings, equal key; no secret readable. */
function keyOf(options: mysql.PoolOptions, egress: unknown): string {
  salt ??= randomBytes(32);
  return createHmac('sha256', salt)
    .update(JSON.stringify([options, egress]))
    .digest('hex');
}

function sweep(): void {
  const now = Date.now();
  for (const [key, entry] of entries) {
    for (const [connection, since] of entry.idle) {
      if (now - since < IDLE_CONNECTION_MS) continue;
      entry.idle.delete(connection);
      connection.destroy();
    }
    if (entry.checkedOut === 0 && now - entry.lastUsed >= IDLE_POOL_MS) {
      entries.delete(key);
      void entry.pool.end().catch(() => {});
    }
  }
  if (entries.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

/**
 * The pool for these connection options, created on first use (at most {@link POOL_MAX}
 * connections; idle ones closed after 30 s and unref'd meanwhile; the pool closed after 3 minutes
 * unused). Its timer is unref'd: an idle pool never keeps the process alive.
 *
 * @example
 * ```ts
 * const entry = poolFor(connectionOptions(ctx.credentials));
 * ```
 */
export function poolFor(options: mysql.PoolOptions, egress: EgressRules = {}): PoolEntry {
  // The egress rules are part of the key: a pool's connections go through the guard of the
  // context that made it.
  const key = keyOf(options, egress);
  let entry = entries.get(key);
  if (entry === undefined) {
    // maxIdle = connectionLimit: mysql2 starts no idle timer of its own (it would not be unref'd).
    const pool = mysql.createPool({
      ...options,
      connectionLimit: POOL_MAX,
      maxIdle: POOL_MAX,
    });
    const idle = new Map<CoreConnection, number>();
    pool.pool.on('release', (connection: CoreConnection) => {
      idle.set(connection, Date.now());
      connection.stream?.unref?.();
    });
    pool.pool.on('acquire', (connection: CoreConnection) => {
      idle.delete(connection);
      connection.stream?.ref?.();
    });
    entry = {
      pool,
      tables: createTableCache(TABLE_TTL_MS),
      prepared: new WeakSet(),
      idle,
      lastUsed: Date.now(),
      checkedOut: 0,
    };
    entries.set(key, entry);
    created += 1;
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, SWEEP_MS);
      sweeper.unref();
    }
  }
  return entry;
}

/**
 * Pools created since the process started, and pools open now (for tests and diagnostics).
 *
 * @example
 * ```ts
 * poolStats(); // { created: 1, open: 1 }
 * ```
 */
export function poolStats(): { readonly created: number; readonly open: number } {
  return { created, open: entries.size };
}

/**
 * Closes every pool. For a host shutting down and for tests; the next call opens a new pool.
 *
 * @example
 * ```ts
 * await closePools();
 * ```
 */
export async function closePools(): Promise<void> {
  const all = [...entries.values()];
  entries.clear();
  if (sweeper !== undefined) clearInterval(sweeper);
  sweeper = undefined;
  await Promise.all(all.map((entry) => entry.pool.end().catch(() => {})));
}
