import type pg from 'pg';

/** How many statements containing `fragment` are waiting on a lock now (pg_stat_activity). */
export async function lockWaiters(pool: pg.Pool, fragment: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
     where wait_event_type = 'Lock' and query like '%' || $1 || '%' and pid <> pg_backend_pid()`,
    [fragment],
  );
  return rows[0]?.n ?? 0;
}
