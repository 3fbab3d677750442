import type { RolloutStage } from '../db/tables/rollout-tables.js';

/** The stages in rollout order: a move to a later one is a promotion. */
export const rolloutStages = [
  'off',
  'shadow',
  'review-all',
  'sampled',
  'auto',
] as const satisfies readonly RolloutStage[];

/** Where a stage stands in the rollout order (off 0 ... auto 4). */
export function stageRank(stage: RolloutStage): number {
  return rolloutStages.indexOf(stage);
}

/** The stages whose writes go (all or some) to the review queue. */
export function isReviewStage(stage: RolloutStage): boolean {
  return stage === 'review-all' || stage === 'sampled';
}
