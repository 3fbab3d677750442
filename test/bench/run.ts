import { runAuditBench } from './audit.js';
import { runBackfillBench } from './backfill.js';
import { runBatchesBench } from './batches.js';
import { runConsoleBench } from './console.js';
import { runEndToEndBench } from './end-to-end.js';
import { runGrowthBench } from './growth.js';
import { runIngressBench } from './ingress.js';
import { runIsolationBench } from './isolation.js';
import { runMappingBench } from './mapping.js';
import { soakOptions } from './soak/soak-options.js';
import { runSoakBench } from './soak.js';
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

/** Benches run only when named (they take long): `npm run bench -- soak --minutes 3`. */
const onRequest: Record<string, () => Promise<Record<string, unknown>>> = {
  soak: runSoakBench,
};

// Names, then the flags of the named benches (`--minutes 3`), which each bench reads itself.
const args = process.argv.slice(2);
const takesValue = (arg: string | undefined) => arg?.startsWith('--') && !arg.includes('=');
const only = args.filter((arg, i) => !arg.startsWith('--') && !takesValue(args[i - 1]));
const unknown = only.filter((name) => !(name in benches) && !(name in onRequest));
if (unknown.length > 0) {
  console.error(
    `Unknown benchmark ${unknown.join(', ')}; choose from ${[...Object.keys(benches), ...Object.keys(onRequest)].join(', ')}.`,
  );
  process.exit(2);
}
if (only.includes('soak')) {
  try {
    soakOptions(args);
  } catch (error) {
    console.error(`soak: ${(error as Error).message}`);
    process.exit(2);
  }
}
const results: Record<string, unknown> = {};
for (const [name, bench] of Object.entries({ ...benches, ...onRequest })) {
  if (only.length > 0 ? !only.includes(name) : name in onRequest) continue;
  results[name] = await bench();
}
console.log(JSON.stringify(results, null, 2));
