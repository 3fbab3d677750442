import { runAuditBench } from './audit.js';
import { runBackfillBench } from './backfill.js';
import { runBatchesBench } from './batches.js';
import { runConsoleBench } from './console.js';
import { runEndToEndBench } from './end-to-end.js';
import { runGrowthBench } from './growth.js';
import { runIngressBench } from './ingress.js';
import { runIsolationBench } from './isolation.js';
import { runMappingBench } from './mapping.js';
import { runWaitsBench } from './waits.js';

/**
 * Runs every benchmark in turn and prints their figures as JSON (add new benches here).
 * `npm run bench -- ingress endToEnd` runs only the named ones.
 */
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  mapping: runMappingBench,
  audit: runAuditBench,
  ingress: runIngressBench,
  batches: runBatchesBench,
  endToEnd: runEndToEndBench,
  waits: runWaitsBench,
  growth: runGrowthBench,
  isolation: runIsolationBench,
  console: runConsoleBench,
  backfill: runBackfillBench,
};

const only = process.argv.slice(2);
const unknown = only.filter((name) => !(name in benches));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(benches).join(', ')}.`,
  );
  process.exit(2);
}
const results: Record<string, unknown> = {};
for (const [name, bench] of Object.entries(benches)) {
  if (only.length > 0 && !only.includes(name)) continue;
  results[name] = await bench();
}
console.log(JSON.stringify(results, null, 2));
