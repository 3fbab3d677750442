import { runExampleCli } from './example-api.js';
import { runSyncExample } from './two-way-sync.js';

/**
 * `npm run example:sync`: the two-way sync example (see two-way-sync.ts): the CRM table in the
 * examples' PostgreSQL database (see example-api.ts), the ERP table in MariaDB (MARIADB_URL,
 * default mysql://root@127.0.0.1:3306/test).
 */
runExampleCli(
  (options) => runSyncExample({ ...options, mariadbUrl: process.env.MARIADB_URL }),
  'Done: see GET /v1/syncs, its conflicts at GET /v1/syncs/{id}/conflicts and the audit trail at GET /v1/audit.',
);
