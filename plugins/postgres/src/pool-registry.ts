import { createHmac, randomBytes } from 'node:crypto';
import {
  createTableCache,
  type EgressRules,
  type SqlLedger,
  type TableCache,
} from '@junction/connector-kit';
import pg from 'pg';

/**
 * Clients per pool unless the connection says (`poolSize`): a connection's steps share a few
 * sessions instead of opening one each; as many as a worker runs steps at once by default.
 */
export const DEFAULT_POOL_SIZE = 10;
/** An idle client is closed after this long. */
const IDLE_CLIENT_MS = 30_000;
/** A pool nobody checked a client out of for this long is closed entirely. */
const IDLE_POOL_MS = 3 * 60_000;
/** How long a table's column list is trusted. */
const TABLE_TTL_MS = 60_000;

/** A table's columns, name to data type, as information_schema lists them. */
export type Columns = ReadonlyMap<string, string>;

/**
 * One pool of clients for one set of connection settings, with its cache of table columns.
 *
 * @example
 * ```ts
 * const entry = poolFor(clientConfig(ctx.credentials));
 * const client = await entry.pool.connect();
 * ```
 */
export interface PoolEntry {
  readonly pool: pg.Pool;
  readonly tables: TableCache<Columns>;
  /** The database's idempotency ledger, made on first use (it remembers its table exists). */
  ledger?: SqlLedger;
  lastUsed: number;
  checkedOut: number;
}

const entries = new Map<string, PoolEntry>();
let salt: Buffer | undefined;
let sweeper: NodeJS.Timeout | undefined;
let created = 0;

/** A process-local keyed hash of the settings: equal settings, equal key; no secret readable. */
function keyOf(settings: pg.PoolConfig, egress: unknown): string {
  salt ??= randomBytes(32);
  return createHmac('sha256', salt)
    .update(JSON.stringify([settings, egress]))
    .digest('hex');
}

function sweep(): void {
  const now = Date.now();
  for (const [key, entry] of entries) {
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
 * The pool for these client settings and egress rules, created on first use (at most `size` clients, idle
 * clients closed after 30 s, the pool closed after 3 minutes unused). Its timers are unref'd: an
 * idle pool never keeps the process alive.
 *
 * @example
 * ```ts
 * const entry = poolFor(clientConfig(ctx.credentials), 10);
 * ```
 */
export function poolFor(
  config: pg.ClientConfig,
  size = DEFAULT_POOL_SIZE,
  egress: EgressRules = {},
): PoolEntry {
  // The egress rules are part of the key: a pool's sessions connect through the guard of the
  // context that made it.
  const key = keyOf({ ...config, max: size }, egress);
  let entry = entries.get(key);
  if (entry === undefined) {
    const pool = new pg.Pool({
      ...config,
      max: size,
      idleTimeoutMillis: IDLE_CLIENT_MS,
      allowExitOnIdle: true,
    });
    pool.on('error', () => {});
    entry = { pool, tables: createTableCache(TABLE_TTL_MS), lastUsed: Date.now(), checkedOut: 0 };
    entries.set(key, entry);
    created += 1;
    if (sweeper === undefined) {
      sweeper = setInterval(sweep, Math.min(IDLE_POOL_MS, 30_000));
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
 * Closes every pool (waiting for checked-out clients to come back). For a host shutting down
 * and for tests; the next call opens a new pool.
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
