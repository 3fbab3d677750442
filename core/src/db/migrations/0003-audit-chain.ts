import { type Kysely, sql } from 'kysely';

/**
 * Hash chain columns on audit_entries, and triggers that make the table append-only: the only
 * updates allowed are sealing an unsealed row and retention dropping the body of a sealed one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('audit_entries')
    .addColumn('body_hash', 'bytea')
    .addColumn('content_hash', 'bytea')
    .addColumn('seq', 'bigint', (c) => c.unique())
    .addColumn('prev_hash', 'bytea')
    .addColumn('hash', 'bytea')
    .addColumn('sealed_at', sql`timestamptz(3)`)
    .addColumn('body_dropped_at', sql`timestamptz(3)`)
    .execute();
  await sql`create index audit_entries_unsealed on audit_entries (id) where seq is null`.execute(
    db,
  );
  await sql`create index audit_entries_at on audit_entries (at, id)`.execute(db);
  await sql`create index audit_entries_run on audit_entries (run_id, id) where run_id is not null`.execute(
    db,
  );
  await sql`create index audit_entries_integration on audit_entries (integration_id, id) where integration_id is not null`.execute(
    db,
  );
  await sql`create index audit_entries_actor on audit_entries (actor, id)`.execute(db);

  await sql`
    create function junction_audit_guard() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' or tg_op = 'TRUNCATE' then
        raise exception 'audit entries are append-only: % is not allowed', tg_op
          using errcode = 'insufficient_privilege';
      end if;
      -- Content never changes (content hashes may be filled once, for rows written without them).
      if new.id is distinct from old.id or new.at is distinct from old.at
        or new.actor is distinct from old.actor or new.action is distinct from old.action
        or new.subject_type is distinct from old.subject_type
        or new.subject_id is distinct from old.subject_id
        or new.integration_id is distinct from old.integration_id
        or new.run_id is distinct from old.run_id or new.request_id is distinct from old.request_id
        or (old.body_hash is not null and new.body_hash is distinct from old.body_hash)
        or (old.content_hash is not null and new.content_hash is distinct from old.content_hash)
      then
        raise exception 'audit entries are append-only: entry % cannot be changed', old.id
          using errcode = 'insufficient_privilege';
      end if;
      -- Sealing: an unsealed row gets its place in the chain, once.
      if old.seq is null and old.hash is null and old.prev_hash is null and old.sealed_at is null
        and new.seq is not null and new.hash is not null and new.prev_hash is not null
        and new.sealed_at is not null and new.content_hash is not null
        and new.data is not distinct from old.data
        and new.body_dropped_at is not distinct from old.body_dropped_at
      then
        return new;
      end if;
      -- Retention: a sealed row loses its body, marked with the time, once.
      if old.seq is not null and new.seq = old.seq and new.hash = old.hash
        and new.prev_hash = old.prev_hash and new.sealed_at = old.sealed_at
        and old.body_dropped_at is null and new.body_dropped_at is not null and new.data is null
      then
        return new;
      end if;
      raise exception 'audit entries are append-only: entry % cannot be changed', old.id
        using errcode = 'insufficient_privilege';
    end
    $$
  `.execute(db);
  await sql`
    create trigger audit_entries_guard before update or delete on audit_entries
    for each row execute function junction_audit_guard()
  `.execute(db);
  await sql`
    create trigger audit_entries_no_truncate before truncate on audit_entries
    for each statement execute function junction_audit_guard()
  `.execute(db);
}
