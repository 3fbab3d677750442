import { runChaos } from './chaos.js';

/**
 * `npm run chaos`: kill -9 of worker processes during a stream of webhooks into an insert-only
 * target and a deduplicating one; prints what was lost, duplicated, and how long recovery took,
 * as JSON. Bounded: about a minute at the defaults. CHAOS_EVENTS, CHAOS_RATE (events/s),
 * CHAOS_WORKERS, CHAOS_KILL_EVERY_MS, CHAOS_CONCURRENCY tune it; DATABASE_URL picks the server
 * (else an embedded PostgreSQL).
 */
const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const report = await runChaos({
  events: number('CHAOS_EVENTS', 900),
  perSecond: number('CHAOS_RATE', 30),
  workers: number('CHAOS_WORKERS', 3),
  killEveryMs: number('CHAOS_KILL_EVERY_MS', 2000),
  concurrency: number('CHAOS_CONCURRENCY', 8),
  drainTimeoutMs: 180_000,
});
console.log(JSON.stringify(report, null, 2));
const failed = report.insertOnly.lost + report.insertOnly.duplicated + report.deduplicating.lost;
process.exit(failed > 0 ? 1 : 0);
