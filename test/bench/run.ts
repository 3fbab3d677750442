import { runAuditBench } from './audit.js';
import { runEndToEndBench } from './end-to-end.js';
import { runIngressBench } from './ingress.js';
import { runMappingBench } from './mapping.js';

/** Runs every benchmark in turn and prints their figures as JSON (add new benches here). */
const benches: Record<string, () => Promise<Record<string, unknown>>> = {
  mapping: runMappingBench,
  audit: runAuditBench,
  ingress: runIngressBench,
  endToEnd: runEndToEndBench,
};

const results: Record<string, unknown> = {};
for (const [name, bench] of Object.entries(benches)) {
  results[name] = await bench();
}
console.log(JSON.stringify(results, null, 2));
