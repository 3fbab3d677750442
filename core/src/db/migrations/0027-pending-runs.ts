import { type Kysely, sql } from 'kysely';

/**
 * The lane sweeper looks for runs waiting in their record's lane (`pending`) for longer than a
 * while, across every integration. No index led with what it bounds: PostgreSQL 15 filtered a
 * lane index, and PostgreSQL 18 skip-scans `runs_integration_state` over every integration. A
 * partial index of the pending runs by their age matches the statement, and stays as small as
 * the number of runs waiting at any moment. Without `concurrently`: migrations run in a
 * transaction; the index holds only pending rows, so it is built at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index runs_pending_age on runs (created_at) where state = 'pending'`.execute(db);
}
