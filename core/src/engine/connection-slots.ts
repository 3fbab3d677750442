import pg from 'pg';

/** A connection's call slot, held while one call through it runs. */
export interface ConnectionSlot {
  release(): Promise<void>;
}

export interface ConnectionSlots {
  /**
   * Takes one of the connection's `concurrency` slots, or answers undefined when all are held
   * (by this process or any other sharing the database): the caller defers its attempt.
   */
  take(connectionId: string, concurrency: number): Promise<ConnectionSlot | undefined>;
  close(): Promise<void>;
}

/**
 * Limits concurrent calls per connection across every Junction process sharing one PostgreSQL
 * database: a call holds a session advisory lock (the connection's id hashed, and a slot number
 * below its concurrency) on a connection of this pool until it ends. A process that dies (kill
 * -9, a lost network) loses its database sessions, so its slots are free again at once, with no
 * lease to wait out. `size`: the most calls this process makes at once (its worker concurrency);
 * the pool connects lazily, so a Junction whose connections set no concurrency never opens one.
 */
export function createConnectionSlots(
  connectionString: string,
  size: number,
  connectTimeoutMs = 10_000,
): ConnectionSlots {
  const pool = new pg.Pool({
    connectionString,
    max: size,
    application_name: 'junction-slots',
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  return {
    async take(connectionId, concurrency) {
      const client = await pool.connect();
      try {
        // The first free slot in order: pg_try_advisory_lock takes no lock where it answers
        // false, and the scan stops at the first one taken.
        const { rows } = await client.query<{ slot: number }>(
          `select s as slot from generate_series(0, $2::int - 1) s
           where pg_try_advisory_lock(hashtext($1), s) limit 1`,
          [`junction-connection:${connectionId}`, concurrency],
        );
        const slot = rows[0]?.slot;
        if (slot === undefined) {
          client.release();
          return undefined;
        }
        let released = false;
        return {
          async release() {
            if (released) return;
            released = true;
            try {
              await client.query('select pg_advisory_unlock(hashtext($1), $2)', [
                `junction-connection:${connectionId}`,
                slot,
              ]);
              client.release();
            } catch (error) {
              // Dropping the session frees its locks.
              client.release(error as Error);
            }
          },
        };
      } catch (error) {
        client.release(error as Error);
        throw error;
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
