import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** Something that pins a plugin version and would break if it were removed. */
export interface PluginVersionUser {
  readonly kind: 'integration';
  readonly id: string;
  readonly name: string;
  /** The integration version that pins the plugin version. */
  readonly integrationVersion: number;
}

/**
 * Who uses `id@version`: the integrations whose current version pins it (rows of
 * `integration_dependencies` joined with `integrations.current_version`), plus those that use
 * `id` unpinned (`connector_version = ''`) when `lastVersion` says no other version would remain.
 * Returns [] while those tables do not exist. This is the hook the integration work fills in: a
 * removal is refused (409) while it returns anyone.
 *
 * @example
 * ```ts
 * const users = await pluginVersionUsers(trx, 'acme-crm', '1.2.0', false);
 * ```
 */
export async function pluginVersionUsers(
  db: Kysely<Database>,
  id: string,
  version: string,
  lastVersion: boolean,
): Promise<PluginVersionUser[]> {
  const exists = await sql<{ ok: boolean }>`
    select to_regclass('integration_dependencies') is not null
       and to_regclass('integrations') is not null as ok`.execute(db);
  if (!exists.rows[0]?.ok) return [];
  const { rows } = await sql<{ id: string; name: string; version: number }>`
    select distinct i.id, i.name, d.version
      from integration_dependencies d
      join integrations i on i.id = d.integration_id and i.current_version = d.version
     where d.connector_id = ${id}
       and (d.connector_version = ${version} or (${lastVersion} and d.connector_version = ''))
     order by i.id`.execute(db);
  return rows.map((r) => ({
    kind: 'integration',
    id: r.id,
    name: r.name,
    integrationVersion: Number(r.version),
  }));
}
