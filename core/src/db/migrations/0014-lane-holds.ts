import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // `holds_lane`: a dead run of an integration whose `ordering` is `hold` keeps its record's place
  // until it is replayed (its replay takes the place) or cancelled; later runs of the record wait
  // behind it (`pending`). The lane index covers those runs too, with the very condition every
  // lane check uses (see holdsLaneSql), so that the planner can use it.
  await sql`alter table runs add column holds_lane boolean not null default false`.execute(db);
  await sql`create index runs_lane_held on runs (integration_id, source_record, seq)
    where (state in ('pending', 'queued', 'running', 'waiting', 'failed', 'unknown') or holds_lane)`.execute(
    db,
  );
  await sql`drop index runs_lane_unfinished`.execute(db);
  // `event_id`: the event whose run last wrote the link: a replay of an older event of the same
  // record is refused (it would write old data over new).
  await sql`alter table record_links add column event_id text`.execute(db);
}
