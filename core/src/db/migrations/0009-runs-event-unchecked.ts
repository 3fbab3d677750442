import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A run's event is not checked by a foreign key any more. Every run is inserted either in the
  // statement that inserts its event (ingestion) or with the event of the run it replays, and no
  // event is ever deleted, so the check could not fail; it cost each ingested event a lookup and
  // a row lock on the event just inserted (measured side by side with BENCH_INGRESS_VARIANT, on
  // one machine at two speeds: PostgreSQL's CPU time per ingested webhook 3-15% lower without
  // it, the webhook rate 3-9% higher). Whoever adds a way to delete events deletes their runs
  // with them (run_steps follow by their own cascade).
  await sql`alter table runs drop constraint runs_event_id_fkey`.execute(db);
}
