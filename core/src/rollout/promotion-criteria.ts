import type { PromotionCriteria, RolloutStage } from '../db/tables/rollout-tables.js';
import type { StageEvidence } from './rollout-evidence.js';
import { isReviewStage, stageRank } from './rollout-stages.js';

/** One criterion checked against the evidence of the stage it is about. */
export interface CriterionCheck {
  /** `shadow.minMatchRate`, `review.minDays`... */
  readonly criterion: string;
  readonly required: number;
  /** What the stage showed; null when it has no evidence yet (never in that stage). */
  readonly actual: number | null;
  readonly met: boolean;
}

/**
 * The criteria a move to `target` must meet: leaving shadow for any later stage needs the shadow
 * criteria (evidence: the latest shadow period); moving past review-all (to sampled or auto)
 * needs the review criteria (evidence: the latest review-all or sampled period). A move to an
 * earlier stage (a rollback) needs none.
 */
export function checkPromotion(
  criteria: PromotionCriteria | null,
  from: RolloutStage,
  target: RolloutStage,
  evidence: readonly StageEvidence[],
): CriterionCheck[] {
  if (!criteria || stageRank(target) <= stageRank(from)) return [];
  const checks: CriterionCheck[] = [];
  const latest = (test: (stage: RolloutStage) => boolean) => evidence.find((e) => test(e.stage));
  if (criteria.shadow && stageRank(target) > stageRank('shadow')) {
    const shadow = latest((s) => s === 'shadow');
    const { minDays, minRuns, minMatchRate } = criteria.shadow;
    checks.push(
      ...check('shadow.minDays', minDays, shadow?.days),
      ...check('shadow.minRuns', minRuns, shadow?.runs),
      ...check('shadow.minMatchRate', minMatchRate, shadow?.shadow.matchRate),
    );
  }
  if (criteria.review && stageRank(target) > stageRank('review-all')) {
    const review = latest(isReviewStage);
    const { minDays, minRuns, minApprovalRate } = criteria.review;
    checks.push(
      ...check('review.minDays', minDays, review?.days),
      ...check('review.minRuns', minRuns, review?.runs),
      ...check('review.minApprovalRate', minApprovalRate, review?.review.approvalRate),
    );
  }
  return checks;
}

function check(
  criterion: string,
  required: number | undefined,
  actual: number | null | undefined,
): CriterionCheck[] {
  if (required === undefined) return [];
  const value = actual ?? null;
  return [{ criterion, required, actual: value, met: value !== null && value >= required }];
}
