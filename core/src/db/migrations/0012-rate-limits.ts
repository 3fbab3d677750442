import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Attempts deferred by a rate limit (a 429, Retry-After, or Junction's own throttle): they do
  // not count against the retry policy's maxAttempts, only against its time budget.
  await sql`alter table runs add column deferrals integer not null default 0`.execute(db);
  // One token bucket per rate-limited connection, shared by every worker process.
  await sql`create table connection_throttles (
    connection_id text primary key,
    tokens double precision not null,
    refilled_at timestamptz not null
  )`.execute(db);
}
