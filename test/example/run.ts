import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runExample } from './crm-to-erp.js';

/**
 * `npm run example`: runs the CRM-to-ERP example against a running Junction (`npm start`).
 * JUNCTION_URL (default http://127.0.0.1:3000), JUNCTION_TOKEN (the admin token printed on first
 * start), ERP_DATABASE_URL (default: the embedded PostgreSQL under JUNCTION_DATA_DIR).
 */
function embeddedDatabaseUrl(): string {
  const dataDir = path.resolve(process.env.JUNCTION_DATA_DIR ?? '.junction');
  try {
    const { password } = JSON.parse(
      readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
    ) as { password: string };
    const port = readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')
      .split('\n')[3]
      ?.trim();
    return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  } catch {
    throw new Error(
      `No running embedded PostgreSQL under ${dataDir}: start Junction with npm start, or set ERP_DATABASE_URL.`,
    );
  }
}

const token = process.env.JUNCTION_TOKEN ?? process.env.JUNCTION_ADMIN_TOKEN;
if (!token) {
  console.error('Set JUNCTION_TOKEN to the admin token Junction printed on first start.');
  process.exit(2);
}
runExample({
  url: process.env.JUNCTION_URL ?? 'http://127.0.0.1:3000',
  token,
  erpDatabaseUrl: process.env.ERP_DATABASE_URL ?? embeddedDatabaseUrl(),
}).then(
  () => console.log('Done: see the runs at GET /v1/runs and the audit trail at GET /v1/audit.'),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
