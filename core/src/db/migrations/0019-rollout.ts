import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // An integration's rollout stage (off, shadow, review-all, sampled, auto) and its promotion
  // criteria; no row: `auto`, as before rollouts existed. `version` counts stage changes,
  // `revision` every change (its ETag).
  await sql`create table integration_rollouts (
    integration_id text primary key,
    stage text not null,
    sample_percent double precision,
    version integer not null,
    revision integer not null default 1,
    criteria jsonb,
    entered_at timestamptz(3) not null default now(),
    updated_at timestamptz(3) not null default now(),
    updated_by text not null
  )`.execute(db);
  // Every stage an integration was in: one row per stage version, closed when it is left.
  await sql`create table rollout_stages (
    integration_id text not null,
    version integer not null,
    stage text not null,
    sample_percent double precision,
    entered_at timestamptz(3) not null default now(),
    left_at timestamptz(3),
    actor text not null,
    reason text,
    override jsonb,
    primary key (integration_id, version)
  )`.execute(db);

  // The stage a run ran in (null: before rollouts, i.e. auto), its stage version, and whether
  // the rollout sends its writes to review (review-all, or a record inside the sample).
  await sql`alter table runs add column stage text`.execute(db);
  await sql`alter table runs add column stage_version integer`.execute(db);
  await sql`alter table runs add column stage_review boolean`.execute(db);

  // A write a shadow run did not make: the intended call, compared with the target's record
  // after the settling delay (`compare_at`). `intended`: 'write' (the run would have written it)
  // or 'none' (the run's rules skipped the record: a record on the target is extra).
  await sql`create table shadow_writes (
    id text primary key,
    seq bigserial not null unique,
    integration_id text not null,
    run_id text not null,
    route_key text not null,
    step_key text not null,
    stage_version integer,
    connector_id text not null,
    connector_version text not null,
    connection_id text,
    action_key text not null,
    action_kind text not null,
    intended text not null,
    input jsonb not null,
    target_key text,
    compare_at timestamptz(3) not null,
    compared_at timestamptz(3),
    outcome text,
    actual jsonb,
    error text,
    created_at timestamptz(3) not null default now()
  )`.execute(db);
  await sql`create index shadow_writes_due on shadow_writes (compare_at)
    where compared_at is null`.execute(db);
  await sql`create index shadow_writes_integration on shadow_writes (integration_id, created_at)`.execute(
    db,
  );

  // What a comparison found: missing on target, extra on target, or a field that differs.
  await sql`create table rollout_discrepancies (
    id text primary key,
    seq bigserial not null unique,
    shadow_write_id text not null,
    integration_id text not null,
    run_id text not null,
    step_key text not null,
    target_key text,
    kind text not null,
    field text,
    intended jsonb,
    actual jsonb,
    explained_at timestamptz(3),
    explained_by text,
    explanation text,
    created_at timestamptz(3) not null default now()
  )`.execute(db);
  await sql`create index rollout_discrepancies_integration
    on rollout_discrepancies (integration_id, created_at)`.execute(db);
}
