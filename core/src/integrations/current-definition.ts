import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { IntegrationDefinition } from './integration-definition.js';

/** Whether an integration is enabled, and its current version's definition (in `db` or a transaction). */
export async function currentDefinition(
  db: Kysely<Database>,
  integrationId: string,
): Promise<{ enabled: boolean; definition: IntegrationDefinition } | undefined> {
  const row = await db
    .selectFrom('integrations as i')
    .innerJoin('integration_versions as v', (j) =>
      j.onRef('v.integration_id', '=', 'i.id').onRef('v.version', '=', 'i.current_version'),
    )
    .select(['i.enabled', 'v.definition'])
    .where('i.id', '=', integrationId)
    .executeTakeFirst();
  return row
    ? { enabled: row.enabled, definition: row.definition as IntegrationDefinition }
    : undefined;
}
