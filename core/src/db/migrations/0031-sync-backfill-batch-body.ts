import { type Kysely, sql } from 'kysely';

/**
 * A backfill's batch in flight as one body: the JSON text `[keys, matches]` Junction writes,
 * stored as it comes (`text`, so the server neither parses it nor builds two arrays from it) and
 * uncompressed (storage `external`: a page's ~70 KB of keys and hex match hashes compress poorly
 * and the row lives for one page). Recording a page's batch cost the server ~4 ms a page of 1,000
 * as two arrays built from a `jsonb` parameter, ~1 ms as this body. `keys` and `matches` become
 * nullable: rows a version before this one left (a crash during the upgrade, or a worker still on
 * that version) keep them, and a resume settles either form.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table sync_backfill_batches
    add column body text,
    alter column keys drop not null,
    alter column matches drop not null,
    add constraint sync_backfill_batches_form
      check (body is not null or (keys is not null and matches is not null))`.execute(db);
  await sql`alter table sync_backfill_batches alter column body set storage external`.execute(db);
}
