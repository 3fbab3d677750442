import type { StateStore } from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Plugin keys live apart from the platform's own (the poll cursor...): `plugin:<key>`. */
const scoped = (key: string) => `plugin:${key}`;

/** The small key-value state a plugin keeps per integration, in PostgreSQL. */
export function createIntegrationStateStore(
  db: Kysely<Database>,
  integrationId: string,
): StateStore {
  return {
    async get<T>(key: string) {
      const row = await db
        .selectFrom('integration_state')
        .select('value')
        .where('integration_id', '=', integrationId)
        .where('key', '=', scoped(key))
        .executeTakeFirst();
      return row === undefined ? undefined : (row.value as T);
    },
    async set(key, value) {
      await db
        .insertInto('integration_state')
        .values({ integration_id: integrationId, key: scoped(key), value: JSON.stringify(value) })
        .onConflict((oc) =>
          oc
            .columns(['integration_id', 'key'])
            .doUpdateSet({ value: JSON.stringify(value), updated_at: new Date() }),
        )
        .execute();
    },
    async delete(key) {
      await db
        .deleteFrom('integration_state')
        .where('integration_id', '=', integrationId)
        .where('key', '=', scoped(key))
        .execute();
    },
  };
}
