import { runExample } from './crm-to-erp.js';
import { runExampleCli } from './example-api.js';

/** `npm run example`: the CRM-to-ERP example against a running Junction (see example-api.ts). */
runExampleCli(
  runExample,
  'Done: see the runs at GET /v1/runs and the audit trail at GET /v1/audit.',
);
