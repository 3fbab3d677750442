import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Retention deletes an integration's succeeded and cancelled runs oldest first by when they
  // finished (core/src/retention). Only finished runs have an entry, and retention keeps their
  // number bounded; listing the integrations with such runs skips through it too.
  await sql`create index runs_expiry on runs (integration_id, finished_at)
    where state in ('succeeded', 'cancelled')`.execute(db);
  // A run's review items go with it (retention; cancelling a parked run closes its open one).
  await sql`create index review_items_run on review_items (run_id)`.execute(db);
}
