import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RolloutStage } from '../db/tables/rollout-tables.js';

/** What one stage version showed: the evidence a promotion is decided from. */
export interface StageEvidence {
  readonly version: number;
  readonly stage: RolloutStage;
  readonly samplePercent: number | null;
  readonly enteredAt: string;
  readonly leftAt: string | null;
  /** Time in the stage so far (or until it was left), in days. */
  readonly days: number;
  readonly runs: number;
  /** Shadow: intended writes compared with the target, how many matched, their share. */
  readonly shadow: {
    readonly compared: number;
    readonly matched: number;
    readonly unreadable: number;
    readonly matchRate: number | null;
  };
  /** Review stages: decided items, and the share approved unchanged, edited and rejected. */
  readonly review: {
    readonly decided: number;
    readonly approvalRate: number | null;
    readonly editRate: number | null;
    readonly rejectionRate: number | null;
  };
}

const rate = (n: number, of: number) => (of === 0 ? null : n / of);

/** The evidence of every stage version of an integration, newest first. */
export async function stageEvidence(
  db: Kysely<Database>,
  integrationId: string,
): Promise<StageEvidence[]> {
  const { rows } = await sql<{
    version: number;
    stage: RolloutStage;
    sample_percent: number | null;
    entered_at: Date;
    left_at: Date | null;
    runs: number;
    compared: number;
    matched: number;
    unreadable: number;
    decided: number;
    unchanged: number;
    edited: number;
    rejected: number;
  }>`
    select s.version, s.stage, s.sample_percent, s.entered_at, s.left_at,
      (select count(*)::int from runs r
        where r.integration_id = s.integration_id and r.stage_version = s.version) as runs,
      w.compared, w.matched, w.unreadable, v.decided, v.unchanged, v.edited, v.rejected
    from rollout_stages s
    cross join lateral (
      select count(*) filter (where outcome in ('match', 'discrepancy'))::int as compared,
             count(*) filter (where outcome = 'match')::int as matched,
             count(*) filter (where outcome = 'unreadable')::int as unreadable
      from shadow_writes sw
      where sw.integration_id = s.integration_id and sw.stage_version = s.version) w
    cross join lateral (
      select count(*) filter (where i.state in ('approved', 'rejected'))::int as decided,
             count(*) filter (where i.state = 'approved' and i.edited is null)::int as unchanged,
             count(*) filter (where i.state = 'approved' and i.edited is not null)::int as edited,
             count(*) filter (where i.state = 'rejected')::int as rejected
      from review_items i join runs r on r.id = i.run_id
      where i.integration_id = s.integration_id and r.stage_version = s.version) v
    where s.integration_id = ${integrationId}
    order by s.version desc`.execute(db);
  const now = Date.now();
  return rows.map((r) => {
    const entered = new Date(r.entered_at);
    const left = r.left_at === null ? null : new Date(r.left_at);
    return {
      version: r.version,
      stage: r.stage,
      samplePercent: r.sample_percent,
      enteredAt: entered.toISOString(),
      leftAt: left?.toISOString() ?? null,
      days: ((left?.getTime() ?? now) - entered.getTime()) / 86_400_000,
      runs: r.runs,
      shadow: {
        compared: r.compared,
        matched: r.matched,
        unreadable: r.unreadable,
        matchRate: rate(r.matched, r.compared),
      },
      review: {
        decided: r.decided,
        approvalRate: rate(r.unchanged, r.decided),
        editRate: rate(r.edited, r.decided),
        rejectionRate: rate(r.rejected, r.decided),
      },
    };
  });
}
