import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // A parked run's continuation: what it waits for (a callback, a poll, a reviewer's decision),
  // until when, and what then happens. The run itself is `waiting` and holds no job, no lock and
  // no worker; the wait is settled at most once (its state leaves `waiting` exactly once).
  await sql`create table run_waits (
    id text primary key,
    run_id text not null,
    integration_id text not null,
    route_key text not null,
    step_key text not null,
    kind text not null,
    state text not null,
    connector_id text not null,
    connector_version text not null,
    action_key text not null,
    deadline timestamptz(3),
    on_timeout jsonb not null,
    poll jsonb,
    next_poll_at timestamptz(3),
    result jsonb,
    created_at timestamptz(3) not null default now(),
    settled_at timestamptz(3)
  )`.execute(db);
  await sql`create index run_waits_run on run_waits (run_id, route_key, step_key)`.execute(db);
  await sql`create index run_waits_deadline on run_waits (deadline) where state = 'waiting'`.execute(
    db,
  );
  await sql`create index run_waits_polls on run_waits (next_poll_at)
    where state = 'waiting' and next_poll_at is not null`.execute(db);

  // The review queue: one item per write parked for a person, keyed by its wait's id.
  await sql`create table review_items (
    id text primary key,
    seq bigserial not null unique,
    run_id text not null,
    integration_id text not null,
    route_key text not null,
    step_key text not null,
    reason text not null,
    confidence double precision,
    proposal jsonb not null,
    source jsonb not null,
    current_record jsonb,
    diff jsonb,
    edited jsonb,
    state text not null,
    assignee text,
    claim_expires_at timestamptz(3),
    sla_due_at timestamptz(3),
    escalated_at timestamptz(3),
    decided_by text,
    decided_at timestamptz(3),
    decision_reason text,
    revision integer not null default 1,
    created_at timestamptz(3) not null default now()
  )`.execute(db);
  await sql`create index review_items_integration on review_items (integration_id, seq)`.execute(
    db,
  );
  await sql`create index review_items_open on review_items (seq) where state = 'open'`.execute(db);
  await sql`create index review_items_sla on review_items (sla_due_at)
    where state = 'open' and escalated_at is null`.execute(db);

  // A token may be limited to some integrations (reviewers); null: all of them.
  await sql`alter table api_tokens add column integrations text[]`.execute(db);
}
