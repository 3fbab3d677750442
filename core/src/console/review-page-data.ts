import type { Kysely } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/schema.js';
import type { ReviewQueue } from '../review/index.js';
import type { ReviewsFilterForm, ReviewsPageData } from './reviews-page.js';
import { integrationNames } from './run-page-data.js';

/** Items on one page of the queue. */
export const reviewsPageSize = 50;

const pick = <T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T => ((allowed as readonly string[]).includes(value ?? '') ? (value as T) : fallback);

/** One page of the review queue, within the principal's integration scope. */
export async function reviewsPageData(
  db: Kysely<Database>,
  queue: ReviewQueue,
  principal: Principal,
  query: Record<string, string | undefined>,
  canDecide: boolean,
): Promise<ReviewsPageData> {
  const filter: ReviewsFilterForm = {
    integration: (query.integration ?? '').slice(0, 200),
    state: pick(query.state, ['open', 'decided', 'all'] as const, 'open'),
    sla: pick(query.sla, ['', 'ok', 'breached'] as const, ''),
    assignee: pick(query.assignee, ['', 'me', 'none'] as const, ''),
  };
  const cursor = /^\d{1,19}$/.test(query.cursor ?? '') ? query.cursor : undefined;
  const visible = (await integrationNames(db)).filter(
    (i) => principal.integrations === undefined || principal.integrations.includes(i.id),
  );
  const { items, seqs } = await queue.list(
    {
      integration: filter.integration || undefined,
      state: filter.state,
      sla: filter.sla || undefined,
      assignee: filter.assignee || undefined,
      afterSeq: cursor,
      limit: reviewsPageSize,
    },
    principal,
  );
  return {
    filter,
    integrations: visible,
    items: items.slice(0, reviewsPageSize),
    next: items.length > reviewsPageSize ? seqs[reviewsPageSize - 1] : undefined,
    cursor,
    canDecide,
  };
}

/** The open item after `id` in queue order that the principal may see (for "next item"). */
export async function nextOpenItem(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
): Promise<string | undefined> {
  let query = db
    .selectFrom('review_items')
    .select('id')
    .where('state', '=', 'open')
    .where('id', '<>', id)
    .where('seq', '>', (eb) => eb.selectFrom('review_items').select('seq').where('id', '=', id))
    .orderBy('seq')
    .limit(1);
  if (principal.integrations !== undefined)
    query = query.where('integration_id', 'in', [...principal.integrations, '']);
  return (await query.executeTakeFirst())?.id;
}
