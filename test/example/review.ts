import { runExampleCli } from './example-api.js';
import { runReviewExample } from './supplier-invoices.js';

/** `npm run example:review`: the supplier-invoice review example (see example-api.ts). */
runExampleCli(
  runReviewExample,
  'Done: see the queue at GET /v1/reviews?state=all and the audit trail at GET /v1/audit.',
);
