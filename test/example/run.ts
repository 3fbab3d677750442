import path from 'node:path';
import { runExample } from './crm-to-erp.js';
import { embeddedDatabaseUrl } from './embedded-database-url.js';

/**
 * `npm run example`: runs the CRM-to-ERP example against a running Junction (`npm start`).
 * JUNCTION_URL (default http://127.0.0.1:3000), JUNCTION_TOKEN (the admin token printed on first
 * start), ERP_DATABASE_URL (default: the embedded PostgreSQL under JUNCTION_DATA_DIR).
 */
const token = process.env.JUNCTION_TOKEN ?? process.env.JUNCTION_ADMIN_TOKEN;
if (!token) {
  console.error('Set JUNCTION_TOKEN to the admin token Junction printed on first start.');
  process.exit(2);
}
let erpDatabaseUrl: string;
try {
  erpDatabaseUrl =
    process.env.ERP_DATABASE_URL ??
    embeddedDatabaseUrl(path.resolve(process.env.JUNCTION_DATA_DIR ?? '.junction'));
} catch (error) {
  console.error((error as Error).message);
  process.exit(2);
}
runExample({
  url: process.env.JUNCTION_URL ?? 'http://127.0.0.1:3000',
  token,
  erpDatabaseUrl,
}).then(
  () => console.log('Done: see the runs at GET /v1/runs and the audit trail at GET /v1/audit.'),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
