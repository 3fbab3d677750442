export { type CriterionCheck, checkPromotion } from './promotion-criteria.js';
export { type StageEvidence, stageEvidence } from './rollout-evidence.js';
export { isReviewStage, rolloutStages, stageRank } from './rollout-stages.js';
export {
  createRolloutStore,
  type RolloutStore,
  type RolloutView,
  type StageChange,
} from './rollout-store.js';
