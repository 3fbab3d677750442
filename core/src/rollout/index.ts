export { compareRecord, type Finding, sameValue } from './compare-records.js';
export { compareShadowWrites } from './compare-shadow-writes.js';
export {
  type DiscrepancyReport,
  type DiscrepancyView,
  discrepancyCsvColumns,
  discrepancyLines,
  discrepancyReport,
  explainDiscrepancy,
  type ReportWindow,
  toDiscrepancyView,
} from './discrepancy-report.js';
export { type CriterionCheck, checkPromotion } from './promotion-criteria.js';
export { type StageEvidence, stageEvidence } from './rollout-evidence.js';
export { isReviewStage, rolloutStages, stageRank } from './rollout-stages.js';
export {
  createRolloutStore,
  type RolloutStore,
  type RolloutView,
  type StageChange,
} from './rollout-store.js';
