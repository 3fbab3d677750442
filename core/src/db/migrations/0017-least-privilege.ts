import { type Kysely, sql } from 'kysely';

/**
 * The audit trail under a least-privilege runtime role (see grantRuntimeRole):
 * - an audit entry enters unsealed and unhashed: an INSERT that brings its own hashes, chain
 *   position or seal is refused, so every hash in the chain is one the sealer computed itself;
 * - `audit_policy` (one row, written only by the owner at `junction migrate`) holds the retention
 *   the operator configured, and the guard lets retention drop a sealed body only when it is set
 *   and the entry is older than it (before, any sealed body could be dropped at any time).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table audit_policy (
      id boolean primary key default true check (id),
      retention_days integer check (retention_days > 0)
    )
  `.execute(db);
  await sql`insert into audit_policy (id, retention_days) values (true, null)`.execute(db);

  await sql`
    create function junction_audit_insert_guard() returns trigger language plpgsql as $$
    begin
      if new.body_hash is not null or new.content_hash is not null or new.seq is not null
        or new.prev_hash is not null or new.hash is not null or new.sealed_at is not null
        or new.body_dropped_at is not null
      then
        raise exception 'audit entries enter unsealed and without hashes: the sealer computes them'
          using errcode = 'insufficient_privilege';
      end if;
      return new;
    end
    $$
  `.execute(db);
  await sql`
    create trigger audit_entries_insert_guard before insert on audit_entries
    for each row execute function junction_audit_insert_guard()
  `.execute(db);

  await sql`
    create or replace function junction_audit_guard() returns trigger language plpgsql as $$
    declare
      retention integer;
    begin
      if tg_op = 'DELETE' or tg_op = 'TRUNCATE' then
        raise exception 'audit entries are append-only: % is not allowed', tg_op
          using errcode = 'insufficient_privilege';
      end if;
      -- Content never changes (content hashes may be filled once, by the sealer).
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
      -- Retention: a sealed row older than the configured retention loses its body, once.
      select p.retention_days into retention from public.audit_policy p;
      if retention is not null and old.at < now() - make_interval(days => retention)
        and old.seq is not null and new.seq = old.seq and new.hash = old.hash
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
}
