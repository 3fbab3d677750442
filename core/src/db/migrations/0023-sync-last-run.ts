import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // What the last run of a sync did (its counts) or why it failed; shown with the sync.
  await sql`alter table syncs add column last_run jsonb`.execute(db);
}
