import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Console sign-ins: the cookie carries a random session id; only its SHA-256 is stored, with
  // the API token it was opened with (revoking the token ends its sessions) and the per-session
  // token that every console form must send back (CSRF).
  await sql`create table console_sessions (
    id_hash bytea primary key,
    token_id text not null,
    csrf text not null,
    created_at timestamptz not null default now(),
    seen_at timestamptz not null default now(),
    expires_at timestamptz not null
  )`.execute(db);
  await sql`create index console_sessions_expiry on console_sessions (expires_at)`.execute(db);
}
