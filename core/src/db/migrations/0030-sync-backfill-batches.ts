import { type Kysely, sql } from 'kysely';

/**
 * The create batches a backfill has in flight, one row each, inserted before the batch is sent
 * and deleted in the statement that commits its links. A walk sends page n+1's batch while page
 * n's links commit; as rows of their own (rather than `sync_backfills.pending`, which the commit
 * updates) recording the next batch never waits for that commit's row lock. A resume settles
 * every row left (and a `pending` batch left by an earlier version). At most two rows a backfill
 * at any time: PostgreSQL's default autovacuum settings suit it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table sync_backfill_batches (
    seq bigint generated always as identity primary key,
    backfill_id text not null references sync_backfills (id) on delete cascade,
    source text not null check (source in ('a', 'b')),
    keys text[] not null,
    matches text[] not null,
    created_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index sync_backfill_batches_backfill on sync_backfill_batches (backfill_id)`.execute(
    db,
  );
}
