import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A backfill of a sync: lists both sides from the start, links the records that correspond,
  // creates the missing ones in batches. `plan` is its passes over the sides (`scan:b`, `walk:a`,
  // `walk:b`), `pass` the one under way and `cursor` where in it: where it resumes after a crash.
  // `pending` is the create batch in flight, settled before anything else on a resume so that a
  // batch is never created twice. `total_*`: a side's records, once a pass has listed it all.
  await sql`create table sync_backfills (
    id text primary key,
    seq bigint generated always as identity unique,
    sync_id text not null,
    sync_version integer not null,
    state text not null default 'queued',
    plan text[] not null,
    pass integer not null default 0,
    cursor text,
    pending jsonb,
    total_a bigint,
    total_b bigint,
    done bigint not null default 0,
    linked bigint not null default 0,
    created_a bigint not null default 0,
    created_b bigint not null default 0,
    flagged bigint not null default 0,
    skipped bigint not null default 0,
    resumed integer not null default 0,
    error text,
    requested_by text not null,
    created_at timestamptz(3) not null default now(),
    started_at timestamptz(3),
    updated_at timestamptz(3) not null default now(),
    finished_at timestamptz(3)
  )`.execute(db);
  await sql`create index sync_backfills_list on sync_backfills (sync_id, seq)`.execute(db);
  await sql`create unique index sync_backfills_active on sync_backfills (sync_id)
    where state in ('queued', 'running')`.execute(db);

  // A reconciliation of a sync: both sides compared record by record; its items are the drift.
  await sql`create table sync_reconciliations (
    id text primary key,
    seq bigint generated always as identity unique,
    sync_id text not null,
    sync_version integer not null,
    state text not null default 'queued',
    phase text,
    trigger text not null,
    seen_a bigint not null default 0,
    seen_b bigint not null default 0,
    counts jsonb not null default '{}',
    error text,
    requested_by text not null,
    created_at timestamptz(3) not null default now(),
    started_at timestamptz(3),
    updated_at timestamptz(3) not null default now(),
    finished_at timestamptz(3)
  )`.execute(db);
  await sql`create index sync_reconciliations_list on sync_reconciliations (sync_id, seq)`.execute(
    db,
  );
  await sql`create unique index sync_reconciliations_active on sync_reconciliations (sync_id)
    where state in ('queued', 'running')`.execute(db);

  // One difference a reconciliation found: only_a, only_b, differs (per field, both values),
  // stale_link (a link to a key gone on a side), unlinked (records that match but are not linked).
  await sql`create table sync_drift_items (
    id bigint generated always as identity primary key,
    reconciliation_id text not null,
    sync_id text not null,
    kind text not null,
    a_key text,
    b_key text,
    link_id bigint,
    fields jsonb,
    missing text,
    state text not null default 'open',
    repair jsonb,
    created_at timestamptz(3) not null default now(),
    repaired_at timestamptz(3)
  )`.execute(db);
  await sql`create index sync_drift_items_list on sync_drift_items (reconciliation_id, id)`.execute(
    db,
  );

  // Scratch rows of a scan (a backfill's or a reconciliation's): one record of a side by its join
  // key (a link id, a match value's hash or its own key), read back in join key order; deleted
  // when the scan ends. Bytewise order ("C"), as the merge compares.
  await sql`create table sync_scan_rows (
    scan_id text not null,
    side text not null,
    join_key text collate "C" not null,
    key text not null,
    link_id bigint,
    hash text,
    version text,
    body jsonb,
    used boolean not null default false,
    primary key (scan_id, side, key)
  )`.execute(db);
  await sql`create index sync_scan_rows_join on sync_scan_rows (scan_id, side, join_key, key)`.execute(
    db,
  );
  await sql`create index sync_scan_rows_link on sync_scan_rows (scan_id, link_id)
    where link_id is not null`.execute(db);
}
