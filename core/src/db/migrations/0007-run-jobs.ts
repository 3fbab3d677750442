import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // The graphile-worker job that claimed the run's current attempt. If that job runs again while
  // the run is still `running`, its earlier execution ended without storing the attempt's outcome
  // (a forced shutdown, the database lost at the end of the attempt, a claim whose answer was
  // lost): the job takes the run back instead of leaving it `running` for good.
  await sql`alter table runs add column job_id bigint`.execute(db);
}
