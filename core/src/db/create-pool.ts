import pg from 'pg';

/** Opens a pool of connections to `connectionString`; idle connections close after 30 s. */
export function createPool(
  connectionString: string,
  options: {
    size: number;
    /** Shown in `pg_stat_activity`. */
    applicationName: string;
    /**
     * Plan every statement for the tables as they are at that moment (`plan_cache_mode` set to
     * `force_custom_plan`). For the connections that store ingested events: each batch calls
     * graphile-worker's `add_jobs`, which otherwise keeps, per connection, a generic plan made
     * while the job queue was small, and then, during a burst, scans the whole queue for every
     * batch (see `customPlansSql`).
     */
    customPlans?: boolean;
  },
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.size,
    application_name: options.applicationName,
    idleTimeoutMillis: 30_000,
    ...(options.customPlans ? { options: '-c plan_cache_mode=force_custom_plan' } : {}),
  });
  // An idle client that loses its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return pool;
}
