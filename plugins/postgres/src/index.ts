/**
 * @junction/plugin-postgres: PostgreSQL as a system of record. A polling trigger delivers new
 * and changed rows of one table by (updated-at, key); actions insert, update, upsert, delete and
 * look up rows by key. SQL is parameterised; table and column names are checked against the live
 * table and quoted.
 *
 * @example
 * ```ts
 * import postgres from '@junction/plugin-postgres';
 * ```
 */
import { defineConnector } from '@junction/connector-kit';
import { deleteRow } from './actions/delete-row.js';
import { insertRow } from './actions/insert-row.js';
import { lookupRow } from './actions/lookup-row.js';
import { updateRow } from './actions/update-row.js';
import { upsertRow } from './actions/upsert-row.js';
import { postgresAuth } from './postgres-auth.js';
import { tableRow } from './table-row.js';
import { rowChanged } from './triggers/row-changed.js';

export { pollSettingsFields } from './poll-settings.js';

/**
 * The PostgreSQL connector.
 *
 * @example
 * ```ts
 * validateConnector(connector); // []
 * ```
 */
export const connector = defineConnector({
  id: 'postgres',
  name: 'PostgreSQL',
  description:
    'Reads new and changed rows from a PostgreSQL table and inserts, updates, upserts, deletes and looks up rows; offers any table as a record type (keyset pages, batched writes).',
  version: '0.2.0',
  contract: '^1.12.0',
  // Where the credentials go: changing one needs the password again.
  destinations: { credentials: ['host', 'port', 'connectionString'] },
  homepage: 'https://www.postgresql.org/',
  auth: postgresAuth,
  recordTypes: [tableRow],
  triggers: [rowChanged],
  actions: [insertRow, updateRow, upsertRow, deleteRow, lookupRow],
});

export default connector;
