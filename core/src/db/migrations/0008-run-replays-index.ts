import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Runs are looked up by event only to find a run's replay (`replay_of`), and replays are rare:
  // a partial index on `replay_of` serves that, where an index on `event_id` cost every stored
  // event an entry (about a tenth of ingestion's database time).
  await sql`create index runs_replays on runs (replay_of) where replay_of is not null`.execute(db);
  await sql`drop index runs_event`.execute(db);
}
