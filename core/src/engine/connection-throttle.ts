import { sql } from 'kysely';
import type { JunctionDatabase } from '../db/create-database.js';
import { queryPrepared } from '../db/query-prepared.js';

/**
 * A connection's rate limit: at most `requests` calls per `perSeconds`. Calls are spaced evenly
 * (one every perSeconds / requests seconds, a bucket of one token), so that no window of
 * `perSeconds` ever holds more than `requests` calls, whichever way the API counts.
 */
export interface RateLimit {
  readonly requests: number;
  readonly perSeconds: number;
}

/** What a connector declares, or an operator sets per connection (`settings.rateLimit`). */
export interface DeclaredLimits {
  readonly requests?: number;
  readonly perSeconds?: number;
  readonly concurrency?: number;
}

/** The limits Junction enforces on a connection's calls. */
export interface ConnectionLimits {
  readonly rate?: RateLimit;
  /** The most calls in flight at once through the connection, across all processes. */
  readonly concurrency?: number;
}

const positive = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value > 0;

/**
 * The limits of a connection: its connector's declared `rateLimit`, each field overridden by the
 * connection's settings' `rateLimit` when given (refused at save when malformed; a malformed
 * field stored before that check is ignored).
 */
export function limitsOf(
  settings: Readonly<Record<string, unknown>> | undefined,
  declared: DeclaredLimits | undefined,
): ConnectionLimits {
  const given = settings?.rateLimit;
  const override =
    given !== null && typeof given === 'object' ? (given as Record<string, unknown>) : {};
  const pick = (name: keyof DeclaredLimits) =>
    positive(override[name])
      ? override[name]
      : positive(declared?.[name])
        ? declared[name]
        : undefined;
  const requests = pick('requests');
  const perSeconds = pick('perSeconds');
  const concurrency = pick('concurrency');
  return {
    ...(requests !== undefined && requests >= 1 && perSeconds !== undefined
      ? { rate: { requests, perSeconds } }
      : {}),
    ...(concurrency !== undefined && concurrency >= 1
      ? { concurrency: Math.floor(concurrency) }
      : {}),
  };
}

/**
 * Takes one call's token from the connection's bucket (a row of `connection_throttles`, refilled
 * at `requests / perSeconds` per second up to one token), in one atomic statement shared by every
 * worker process. Returns undefined when a token was taken, else how long until the next one
 * (ms): the caller defers its attempt instead of waiting on a worker.
 */
export async function takeToken(
  { db, pool }: Pick<JunctionDatabase, 'db' | 'pool'>,
  connectionId: string,
  limit: RateLimit,
): Promise<number | undefined> {
  const rate = limit.requests / limit.perSeconds;
  const [row] = await queryPrepared(
    pool,
    sql<{ taken: boolean; tokens: number }>`
      with refill as (
        select least(1::float8, coalesce(
          (select t.tokens + extract(epoch from clock_timestamp() - t.refilled_at) * ${rate}::float8
           from connection_throttles t where t.connection_id = ${connectionId}),
          1::float8)) as tokens
      ), taken as (
        insert into connection_throttles as t (connection_id, tokens, refilled_at)
        select ${connectionId}, r.tokens - 1, clock_timestamp() from refill r where r.tokens >= 1
        on conflict (connection_id) do update set
          tokens = least(1::float8,
            t.tokens + extract(epoch from clock_timestamp() - t.refilled_at) * ${rate}::float8) - 1,
          refilled_at = clock_timestamp()
        where least(1::float8,
            t.tokens + extract(epoch from clock_timestamp() - t.refilled_at) * ${rate}::float8) >= 1
        returning 1
      )
      select exists (select 1 from taken) as taken, (select tokens from refill) as tokens`.compile(
      db,
    ),
  );
  if (row?.taken) return undefined;
  const missing = Math.max(0, 1 - Number(row?.tokens ?? 0));
  return Math.ceil((missing / rate) * 1000);
}
