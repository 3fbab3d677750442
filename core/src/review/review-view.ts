import type { Selectable } from 'kysely';
import type { ReviewItemsTable, ReviewState } from '../db/tables/review-tables.js';
import { type DiffEntry, diffRecords } from '../engine/park-rows.js';

/** A review item as the API shows it. */
export interface ReviewView {
  readonly id: string;
  readonly integration: string;
  readonly run: string;
  readonly route: string;
  readonly step: string;
  readonly state: ReviewState;
  /** `step` (a review step), `gate` (a gate's condition held). */
  readonly reason: string;
  readonly confidence: number | null;
  /** The input the write will receive when approved: the reviewer's edit, else the mapped one. */
  readonly proposal: Record<string, unknown>;
  /** What the mapping proposed, before any edit. */
  readonly mapped: Record<string, unknown>;
  readonly edited: boolean;
  /** `{ event, steps }`: the data the proposal was mapped from. */
  readonly source: unknown;
  /** The target's current record (null: none yet; absent when the action cannot read it). */
  readonly current: Record<string, unknown> | null | undefined;
  /** Differences between `current` and `proposal` (absent when there is no `current`). */
  readonly diff: DiffEntry[] | undefined;
  readonly assignee: string | null;
  readonly claimExpiresAt: string | null;
  readonly sla: {
    readonly dueAt: string | null;
    readonly state: 'none' | 'ok' | 'breached';
    readonly escalatedAt: string | null;
  };
  readonly decision: {
    readonly by: string;
    readonly at: string;
    readonly reason: string | null;
  } | null;
  readonly createdAt: string;
  readonly revision: number;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

/** Who holds an item's claim now (an expired claim holds nothing). */
export function claimant(row: Selectable<ReviewItemsTable>, now = Date.now()): string | null {
  if (row.assignee === null || row.claim_expires_at === null) return null;
  return new Date(row.claim_expires_at).getTime() > now ? row.assignee : null;
}

export function toReviewView(row: Selectable<ReviewItemsTable>, now = Date.now()): ReviewView {
  const proposal = row.edited ?? row.proposal;
  const current = row.current_record as Record<string, unknown> | null;
  const hasCurrent = row.diff !== null;
  const due = row.sla_due_at === null ? null : new Date(row.sla_due_at).getTime();
  const holder = claimant(row, now);
  return {
    id: row.id,
    integration: row.integration_id,
    run: row.run_id,
    route: row.route_key,
    step: row.step_key,
    state: row.state,
    reason: row.reason,
    confidence: row.confidence,
    proposal,
    mapped: row.proposal,
    edited: row.edited !== null,
    source: row.source,
    current: hasCurrent ? current : undefined,
    diff: hasCurrent ? diffRecords(current, proposal) : undefined,
    assignee: holder,
    claimExpiresAt: holder === null ? null : iso(row.claim_expires_at),
    sla: {
      dueAt: iso(row.sla_due_at),
      state: due === null ? 'none' : due <= now || row.escalated_at !== null ? 'breached' : 'ok',
      escalatedAt: iso(row.escalated_at),
    },
    decision:
      row.decided_by === null
        ? null
        : {
            by: row.decided_by,
            at: iso(row.decided_at) as string,
            reason: row.decision_reason,
          },
    createdAt: iso(row.created_at) as string,
    revision: row.revision,
  };
}
