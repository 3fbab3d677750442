export {
  type ExpiredCounts,
  expiredTables,
  expireRuns,
  expireRunsQuery,
  retentionTargetsQuery,
} from './expire-runs.js';
export { createRetentionTask, RETENTION_TASK, scheduleRetention } from './retention-job.js';
export { type RetentionSweep, sweepRetention } from './sweep-retention.js';
