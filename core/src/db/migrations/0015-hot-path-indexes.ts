import { type Kysely, sql } from 'kysely';

/**
 * Every run a worker claims reads its record's links by (integration, source record). The primary
 * key of `record_links` was (integration, step, source record): that read could be bounded by the
 * integration only, and went through every link the integration ever wrote, so the cost of a run
 * grew with the records an integration had touched (test/scale/hot-plans.test.ts). The key is now
 * (integration, source record, step): the same rows are unique, the upsert of a link finds its
 * row as before (`on conflict` names the columns, not their order), and the claim reads exactly
 * the record's links. One index replaces the other, so writing a link costs what it did.
 *
 * Plain `create index`, not `concurrently`: Junction's migrations run in one transaction, where
 * PostgreSQL refuses `concurrently`. On an existing install, writes to record_links wait while the
 * index is built (4.2 s per million links on a 2-core machine at load 13; see docs/performance.md).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index record_links_source on record_links (integration_id, source_id, step_key)`.execute(
    db,
  );
  await sql`alter table record_links drop constraint record_links_pk`.execute(db);
  await sql`alter table record_links add constraint record_links_pk primary key using index record_links_source`.execute(
    db,
  );
}
