import { type Kysely, sql } from 'kysely';
import type { Principal } from '../auth/principal.js';
import type { Database } from '../db/schema.js';
import { type ReviewView, toReviewView } from './review-view.js';

/** What `listReviews` selects; members combine with AND. */
export interface ReviewFilter {
  readonly integration?: string | undefined;
  /** `open` (the queue), `decided` (approved or rejected), or every state. */
  readonly state: 'open' | 'decided' | 'all';
  /** `me` (claimed by the caller), `none` (unclaimed, or the claim expired), or a token id. */
  readonly assignee?: string | undefined;
  /** `breached`: past its SLA; `ok`: within it (or no SLA). */
  readonly sla?: 'ok' | 'breached' | undefined;
  /** Waiting at least this long. */
  readonly minAgeSeconds?: number | undefined;
  /** After this item (its seq): the next page. */
  readonly afterSeq?: string | undefined;
  readonly limit: number;
}

/**
 * Review items oldest first (the order they entered the queue; stable, so a cursor is the last
 * seq of a page), within the principal's integration scope. Fetches `limit + 1` rows so that the
 * caller knows whether a page follows.
 */
export async function listReviews(
  db: Kysely<Database>,
  filter: ReviewFilter,
  principal: Principal,
): Promise<{ items: ReviewView[]; seqs: string[] }> {
  const now = new Date();
  const rows = await listReviewsQuery(db, filter, principal, now).execute();
  return {
    items: rows.map((r) => toReviewView(r, now.getTime())),
    seqs: rows.map((r) => String(r.seq)),
  };
}

/** The statement of `listReviews` (exported for the plan test of hot statements). */
export function listReviewsQuery(
  db: Kysely<Database>,
  filter: ReviewFilter,
  principal: Pick<Principal, 'id' | 'integrations'>,
  now: Date,
) {
  let query = db
    .selectFrom('review_items')
    .selectAll()
    .orderBy('seq')
    .limit(filter.limit + 1);
  if (principal.integrations !== undefined)
    query = query.where('integration_id', 'in', [...principal.integrations, '']);
  if (filter.integration !== undefined)
    query = query.where('integration_id', '=', filter.integration);
  if (filter.state === 'open') query = query.where('state', '=', 'open');
  if (filter.state === 'decided') query = query.where('state', 'in', ['approved', 'rejected']);
  if (filter.assignee === 'none')
    query = query.where((eb) =>
      eb.or([eb('assignee', 'is', null), eb('claim_expires_at', '<=', now)]),
    );
  else if (filter.assignee !== undefined) {
    const id = filter.assignee === 'me' ? principal.id : filter.assignee;
    query = query.where('assignee', '=', id).where('claim_expires_at', '>', now);
  }
  if (filter.sla === 'breached')
    query = query.where((eb) =>
      eb.or([eb('sla_due_at', '<=', now), eb('escalated_at', 'is not', null)]),
    );
  if (filter.sla === 'ok')
    query = query
      .where('escalated_at', 'is', null)
      .where((eb) => eb.or([eb('sla_due_at', 'is', null), eb('sla_due_at', '>', now)]));
  if (filter.minAgeSeconds !== undefined)
    query = query.where('created_at', '<=', new Date(now.getTime() - filter.minAgeSeconds * 1000));
  if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
  return query;
}

/** How reviewers decided one confidence band's items. */
export interface BandStats {
  /** `0.8-0.9`; `none` for items without a confidence. */
  readonly band: string;
  readonly approved: number;
  readonly edited: number;
  readonly rejected: number;
  readonly open: number;
}

/**
 * How reviewers decided an integration's reviewed items, by confidence band (tenths): approved
 * unchanged, approved with an edit, rejected, still open. The evidence to choose a gate's
 * threshold from.
 */
export async function reviewStats(
  db: Kysely<Database>,
  integrationId: string,
  step?: string,
): Promise<BandStats[]> {
  const { rows } = await sql<{ band: number | null; outcome: string; n: number }>`
    select case when confidence is null then null else least(floor(confidence * 10), 9) end as band,
      case when state = 'approved' and edited is null then 'approved'
           when state = 'approved' then 'edited' else state end as outcome,
      count(*)::int as n
    from review_items
    where integration_id = ${integrationId} and state <> 'cancelled'
      and (${step ?? null}::text is null or step_key = ${step ?? null})
    group by 1, 2`.execute(db);
  const bands = new Map<
    string,
    { approved: number; edited: number; rejected: number; open: number }
  >();
  for (const row of rows) {
    const band =
      row.band === null
        ? 'none'
        : `${(row.band / 10).toFixed(1)}-${((row.band + 1) / 10).toFixed(1)}`;
    const counts = bands.get(band) ?? { approved: 0, edited: 0, rejected: 0, open: 0 };
    if (row.outcome in counts) counts[row.outcome as keyof typeof counts] += row.n;
    bands.set(band, counts);
  }
  return [...bands.entries()]
    .sort(([a], [b]) => (a === 'none' ? 1 : b === 'none' ? -1 : a.localeCompare(b)))
    .map(([band, counts]) => ({ band, ...counts }));
}
