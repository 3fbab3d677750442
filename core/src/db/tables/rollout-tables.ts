import type { Generated } from 'kysely';
import type { Json, OptionalJson, OptionalTimestamp, Timestamp } from './column-types.js';

/** How far an integration is rolled out (see core/src/rollout). */
export type RolloutStage = 'off' | 'shadow' | 'review-all' | 'sampled' | 'auto';

/** Optional promotion criteria: what a stage must show before the next one. */
export interface PromotionCriteria {
  readonly shadow?: {
    readonly minDays?: number;
    readonly minRuns?: number;
    readonly minMatchRate?: number;
  };
  readonly review?: {
    readonly minDays?: number;
    readonly minRuns?: number;
    readonly minApprovalRate?: number;
  };
}

/** An unmet criterion a promotion went past, and why (audited). */
export interface StageOverride {
  readonly reason: string;
  readonly unmet: readonly string[];
}

export interface IntegrationRolloutsTable {
  integration_id: string;
  stage: RolloutStage;
  sample_percent: number | null;
  version: number;
  revision: Generated<number>;
  criteria: OptionalJson<PromotionCriteria>;
  entered_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string;
}

export interface RolloutStagesTable {
  integration_id: string;
  version: number;
  stage: RolloutStage;
  sample_percent: number | null;
  entered_at: Timestamp;
  left_at: OptionalTimestamp;
  actor: string;
  reason: string | null;
  override: OptionalJson<StageOverride>;
}

/** 'match', 'discrepancy', or 'unreadable' (the target could not be read; see `error`). */
export type ShadowOutcome = 'match' | 'discrepancy' | 'unreadable';

export interface ShadowWritesTable {
  id: string;
  seq: Generated<string>;
  integration_id: string;
  run_id: string;
  route_key: string;
  step_key: string;
  stage_version: number | null;
  connector_id: string;
  connector_version: string;
  connection_id: string | null;
  action_key: string;
  action_kind: string;
  /** 'write': the run would have written it; 'none': its rules skipped the record. */
  intended: 'write' | 'none';
  input: Json<Record<string, unknown>>;
  target_key: string | null;
  compare_at: Timestamp;
  compared_at: OptionalTimestamp;
  outcome: ShadowOutcome | null;
  actual: OptionalJson;
  error: string | null;
  created_at: Timestamp;
}

export type DiscrepancyKind = 'missing' | 'extra' | 'field';

export interface RolloutDiscrepanciesTable {
  id: string;
  seq: Generated<string>;
  shadow_write_id: string;
  integration_id: string;
  run_id: string;
  step_key: string;
  target_key: string | null;
  kind: DiscrepancyKind;
  field: string | null;
  intended: OptionalJson;
  actual: OptionalJson;
  explained_at: OptionalTimestamp;
  explained_by: string | null;
  explanation: string | null;
  created_at: Timestamp;
}

export interface RolloutTables {
  integration_rollouts: IntegrationRolloutsTable;
  rollout_stages: RolloutStagesTable;
  shadow_writes: ShadowWritesTable;
  rollout_discrepancies: RolloutDiscrepanciesTable;
}
