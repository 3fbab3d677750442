import { runExampleCli } from './example-api.js';
import { runRolloutExample } from './parallel-run.js';

/** `npm run example:rollout`: the phased rollout example (see example-api.ts and parallel-run.ts). */
runExampleCli(
  runRolloutExample,
  'Done: see GET /v1/integrations/{id}/rollout (evidence per stage) and its /report.',
);
