export { assigneeProblem, possibleAssignees } from './assignees.js';
export { escalateReviews } from './escalate-reviews.js';
export { junctionConnector, withJunctionConnector } from './junction-connector.js';
export { type BandStats, type ReviewFilter, reviewStats } from './list-reviews.js';
export {
  createReviewQueue,
  type Reviewer,
  type ReviewQueue,
  type ReviewRefusal,
  type ReviewResult,
} from './review-queue.js';
export { type ReviewView, toReviewView } from './review-view.js';
