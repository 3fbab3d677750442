import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // `sending`: the step (`<route>/<step>`) of a non-idempotent action an attempt has started
  // sending and whose outcome is not stored yet. A later attempt that finds it set does not send
  // it again: the run waits in `unknown` for an operator's decision (`decision`: mark the step
  // done with an output, or send it again).
  await sql`alter table runs add column sending text, add column decision jsonb`.execute(db);
  // `unknown` runs hold their record's place like the other unfinished states: the lane index
  // covers them too.
  await sql`create index runs_lane_unfinished on runs (integration_id, source_record, seq)
    where state in ('pending', 'queued', 'running', 'waiting', 'failed', 'unknown')`.execute(db);
  await sql`drop index runs_lane`.execute(db);
}
