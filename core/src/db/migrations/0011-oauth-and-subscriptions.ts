import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // An authorization-code grant in progress: the state is stored hashed (it is a bearer of the
  // grant until used), the PKCE verifier sealed; a row is used once and expires in minutes.
  await sql`create table oauth_authorizations (
    state_hash bytea primary key,
    connection_id text not null references connections (id) on delete cascade,
    verifier bytea not null,
    redirect_uri text not null,
    actor text not null,
    created_at timestamptz not null default now(),
    expires_at timestamptz not null
  )`.execute(db);
  await sql`create index oauth_authorizations_expiry on oauth_authorizations (expires_at)`.execute(
    db,
  );
  // The webhook an integration's trigger registered at its system: what Junction asked for
  // (state), a SHA-256 of the URL it registered (the URL carries the hook token, so it is not
  // kept), what the system answered (sealed: it may hold a hook secret).
  await sql`create table webhook_subscriptions (
    integration_id text primary key references integrations (id) on delete cascade,
    state text not null,
    url_fingerprint text,
    data bytea,
    connector_id text not null,
    connector_version text not null,
    trigger_key text not null,
    connection_id text,
    last_error text,
    attempts integer not null default 0,
    updated_at timestamptz not null default now()
  )`.execute(db);
}
