import type pg from 'pg';
import type { Logger } from '../log/create-logger.js';

/**
 * Warns when the PostgreSQL server does not vacuum by itself (`autovacuum` or `track_counts`
 * off, as some test servers are set up): every run leaves dead row versions in `runs`, the audit
 * trail and graphile-worker's job table, and without autovacuum they pile up for good, so each
 * run costs more than the one before. Answers whether autovacuum is on; a failed check is only
 * logged (it must never stop Junction from starting).
 */
export async function warnWithoutAutovacuum(pool: pg.Pool, logger: Logger): Promise<boolean> {
  try {
    const { rows } = await pool.query<{ autovacuum: string; track_counts: string }>(
      `select current_setting('autovacuum') as autovacuum,
              current_setting('track_counts') as track_counts`,
    );
    const settings = rows[0] as { autovacuum: string; track_counts: string };
    if (settings.autovacuum === 'on' && settings.track_counts === 'on') return true;
    logger.warn(
      settings,
      'autovacuum is off on this PostgreSQL server: the row versions each run leaves behind are never cleaned up and Junction slows down as they pile up; set autovacuum = on and track_counts = on in postgresql.conf',
    );
    return false;
  } catch (error) {
    logger.debug({ err: error }, 'could not read the autovacuum setting');
    return true;
  }
}
