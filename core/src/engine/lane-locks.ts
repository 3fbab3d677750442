import { sql, type Transaction } from 'kysely';
import type { Database } from '../db/schema.js';
import { laneOf } from './event-ingestor.js';

/**
 * Takes the advisory locks of the records' lanes (held while a record is handed on from one run to
 * the next), in sorted order so that two transactions never wait on each other in a circle. Runs
 * without a source record have no lane.
 */
export async function lockLanes(
  trx: Transaction<Database>,
  runs: readonly { integration_id: string; source_record: string | null }[],
): Promise<void> {
  const lanes = [
    ...new Set(
      runs.flatMap((r) =>
        r.source_record === null ? [] : [laneOf(r.integration_id, r.source_record)],
      ),
    ),
  ];
  if (lanes.length === 0) return;
  await sql`select pg_advisory_xact_lock(hashtextextended(lane, 7))
    from (select distinct unnest(${lanes}::text[]) as lane order by 1) l`.execute(trx);
}

/** Takes the advisory lock of one record's lane (see lockLanes). */
export function lockLane(
  trx: Transaction<Database>,
  integrationId: string,
  sourceRecord: string,
): Promise<void> {
  return lockLanes(trx, [{ integration_id: integrationId, source_record: sourceRecord }]);
}
