import type pg from 'pg';

/** Tables the runtime role may read but never write: the trail's policy and migration records. */
const readOnlyTables = [
  'public.audit_policy',
  'public.kysely_migration',
  'public.kysely_migration_lock',
  'graphile_worker.migrations',
];

/** What the sealer and retention may set on an audit entry (the guard trigger checks how). */
const auditWritableColumns = [
  'seq',
  'prev_hash',
  'hash',
  'sealed_at',
  'body_hash',
  'content_hash',
  'data',
  'body_dropped_at',
];

/**
 * Grants `role` what Junction's processes need and nothing more, run by the owner of Junction's
 * tables (`junction migrate --grant <role>`): rows of every table in `public` and
 * `graphile_worker` (and of the tables later migrations create); of `audit_entries` only SELECT,
 * INSERT (through the guard trigger, unsealed and unhashed) and UPDATE of the columns sealing and
 * retention set; of the policy and migration tables only SELECT. The role owns nothing, so it
 * cannot alter, drop or truncate a table nor disable a trigger, and creates nothing. Idempotent.
 */
export async function grantRuntimeRole(pool: pg.Pool, role: string): Promise<void> {
  const client = await pool.connect();
  try {
    const { rows } = await client.query<{ name: string; owner: boolean; superuser: boolean }>(
      `select quote_ident(rolname) as name, rolname = current_user as owner,
              rolsuper as superuser
       from pg_roles where rolname = $1`,
      [role],
    );
    const found = rows[0];
    if (!found) throw new Error(`There is no role "${role}" on this server: create it first.`);
    if (found.superuser) {
      throw new Error(`"${role}" is a superuser: Junction's runtime role must not be one.`);
    }
    if (found.owner) {
      throw new Error(
        `"${role}" is the role running the migration: the runtime role must be another.`,
      );
    }
    const r = found.name;
    await client.query('begin');
    // Nobody but the owner creates objects in Junction's schema (PostgreSQL 15's default; older
    // servers let every role create tables in public).
    await client.query('revoke create on schema public from public');
    for (const schema of ['public', 'graphile_worker']) {
      await client.query(`revoke all on all tables in schema ${schema} from ${r}`);
      await client.query(`grant usage on schema ${schema} to ${r}`);
      await client.query(
        `grant select, insert, update, delete on all tables in schema ${schema} to ${r}`,
      );
      await client.query(
        `grant usage, select, update on all sequences in schema ${schema} to ${r}`,
      );
      await client.query(`grant execute on all functions in schema ${schema} to ${r}`);
      await client.query(
        `alter default privileges in schema ${schema} grant select, insert, update, delete on tables to ${r}`,
      );
      await client.query(
        `alter default privileges in schema ${schema} grant usage, select, update on sequences to ${r}`,
      );
    }
    // graphile-worker's private tables have row-level security (rows only for their owner): let
    // the runtime role see and write every row, as Junction's own processes must.
    const secured = await client.query<{ table: string }>(
      `select format('%I.%I', n.nspname, c.relname) as table
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity`,
    );
    const policy = `junction_runtime_${role}`.replace(/[^a-z0-9_]/gi, '_').slice(0, 63);
    for (const { table } of secured.rows) {
      await client.query(`drop policy if exists ${policy} on ${table}`);
      await client.query(
        `create policy ${policy} on ${table} for all to ${r} using (true) with check (true)`,
      );
    }
    await client.query(`revoke all on audit_entries from ${r}`);
    await client.query(`grant select, insert on audit_entries to ${r}`);
    await client.query(
      `grant update (${auditWritableColumns.join(', ')}) on audit_entries to ${r}`,
    );
    for (const table of readOnlyTables) {
      await client.query(`revoke all on ${table} from ${r}`);
      await client.query(`grant select on ${table} to ${r}`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
