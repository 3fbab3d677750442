import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Sync definitions, versioned like integrations: `revision` is the ETag, versions immutable.
  await sql`create table syncs (
    id text primary key,
    name text not null,
    enabled boolean not null default false,
    current_version integer not null,
    revision integer not null default 1,
    created_at timestamptz(3) not null default now(),
    updated_at timestamptz(3) not null default now(),
    created_by text not null
  )`.execute(db);
  await sql`create index syncs_created on syncs (created_at, id)`.execute(db);
  await sql`create table sync_versions (
    sync_id text not null,
    version integer not null,
    definition jsonb not null,
    created_at timestamptz(3) not null default now(),
    created_by text not null,
    primary key (sync_id, version)
  )`.execute(db);

  // A record on side A <-> its record on side B. Per side: the hash (hex SHA-256 of the canonical
  // JSON of the side's projection), its updated-at as last seen or written, the projection itself
  // (the base of three-way conflict detection) and whether Junction wrote it (an echo of it is
  // counted as suppressed). A key is null while the create on that side is in flight.
  await sql`create table sync_links (
    id bigint generated always as identity primary key,
    sync_id text not null,
    a_key text,
    b_key text,
    a_hash text,
    b_hash text,
    a_version text,
    b_version text,
    a_base jsonb,
    b_base jsonb,
    a_written boolean not null default false,
    b_written boolean not null default false,
    state text not null default 'active',
    note text,
    created_at timestamptz(3) not null default now(),
    updated_at timestamptz(3) not null default now()
  )`.execute(db);
  await sql`create unique index sync_links_a on sync_links (sync_id, a_key)`.execute(db);
  await sql`create unique index sync_links_b on sync_links (sync_id, b_key)`.execute(db);
  await sql`create index sync_links_state on sync_links (sync_id, state, id)
    where state <> 'active'`.execute(db);

  // Where change detection of each side left off, and when its last full scan ended.
  await sql`create table sync_cursors (
    sync_id text not null,
    side text not null,
    position jsonb,
    scanned_at timestamptz(3),
    updated_at timestamptz(3) not null default now(),
    primary key (sync_id, side)
  )`.execute(db);

  // A conflict parked for a person: both records and the base, until resolved.
  await sql`create table sync_conflicts (
    id text primary key,
    seq bigint generated always as identity unique,
    sync_id text not null,
    link_id bigint not null,
    a_key text,
    b_key text,
    base jsonb not null,
    a_record jsonb,
    b_record jsonb,
    state text not null default 'open',
    resolution jsonb,
    created_at timestamptz(3) not null default now(),
    updated_at timestamptz(3) not null default now(),
    resolved_at timestamptz(3),
    resolved_by text
  )`.execute(db);
  await sql`create index sync_conflicts_list on sync_conflicts (sync_id, seq)`.execute(db);
  await sql`create unique index sync_conflicts_open on sync_conflicts (link_id)
    where state = 'open'`.execute(db);
}
