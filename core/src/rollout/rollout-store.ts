import type { Kysely, Transaction } from 'kysely';
import { recordAudit } from '../audit/record-audit.js';
import { ConfigProblem } from '../connections/config-problem.js';
import type { Actor } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type {
  PromotionCriteria,
  RolloutStage,
  StageOverride,
} from '../db/tables/rollout-tables.js';
import { syncPollSchedule } from '../engine/poll-schedule.js';
import { type CriterionCheck, checkPromotion } from './promotion-criteria.js';
import { type StageEvidence, stageEvidence } from './rollout-evidence.js';

/** An integration's rollout as the API shows it. */
export interface RolloutView {
  readonly integration: string;
  readonly stage: RolloutStage;
  readonly samplePercent: number | null;
  /** Stage changes so far (0: never changed, `auto` as before rollouts). */
  readonly version: number;
  /** Every change (stage or criteria): the ETag. */
  readonly revision: number;
  readonly enteredAt: string | null;
  readonly criteria: PromotionCriteria | null;
  /** The criteria a promotion from here to the next stage must meet, checked now. */
  readonly nextStage: { readonly stage: RolloutStage; readonly checks: CriterionCheck[] } | null;
  readonly evidence: StageEvidence[];
}

/** A stage change asked for. */
export interface StageChange {
  readonly stage: RolloutStage;
  readonly samplePercent?: number;
  readonly reason?: string;
  /** Promote past unmet criteria: why (audited with the criteria it went past). */
  readonly override?: { readonly reason: string };
}

const nextOf: Partial<Record<RolloutStage, RolloutStage>> = {
  off: 'shadow',
  shadow: 'review-all',
  'review-all': 'sampled',
  sampled: 'auto',
};

/** Rollout stages per integration: read, change (versioned, audited), roll back, criteria. */
export function createRolloutStore(db: Kysely<Database>, connectors: ConnectorSource) {
  const rowOf = (q: Kysely<Database>, id: string) =>
    q.selectFrom('integration_rollouts').selectAll().where('integration_id', '=', id);

  async function view(integrationId: string): Promise<RolloutView> {
    const row = await rowOf(db, integrationId).executeTakeFirst();
    const evidence = await stageEvidence(db, integrationId);
    const stage = row?.stage ?? 'auto';
    const criteria = row?.criteria ?? null;
    const next = nextOf[stage];
    return {
      integration: integrationId,
      stage,
      samplePercent: row?.sample_percent ?? null,
      version: row?.version ?? 0,
      revision: row?.revision ?? 0,
      enteredAt: row ? new Date(row.entered_at).toISOString() : null,
      criteria,
      nextStage: next
        ? { stage: next, checks: checkPromotion(criteria, stage, next, evidence) }
        : null,
      evidence,
    };
  }

  /** The row locked for a change, checked to be at `revision` (412 if not). */
  async function lock(trx: Transaction<Database>, integrationId: string, revision: number) {
    const row = await rowOf(trx, integrationId).forUpdate().executeTakeFirst();
    if ((row?.revision ?? 0) !== revision)
      throw new ConfigProblem([], 'The rollout changed meanwhile; read it again.', 412);
    return row;
  }

  async function change(
    integrationId: string,
    revision: number,
    asked: StageChange,
    by: Actor,
    action = 'integration.rollout.stage',
  ): Promise<RolloutView> {
    const samplePercent = asked.stage === 'sampled' ? (asked.samplePercent ?? null) : null;
    if (asked.stage === 'sampled' && samplePercent === null)
      throw new ConfigProblem([
        { pointer: '/samplePercent', detail: 'the sampled stage needs a samplePercent (0-100]' },
      ]);
    if (asked.stage !== 'sampled' && asked.samplePercent !== undefined)
      throw new ConfigProblem([
        { pointer: '/samplePercent', detail: 'only the sampled stage takes a samplePercent' },
      ]);
    await db
      .transaction()
      .execute(async (trx) => {
        const row = await lock(trx, integrationId, revision);
        const from = row?.stage ?? 'auto';
        if (from === asked.stage && (row?.sample_percent ?? null) === samplePercent)
          throw new ConfigProblem([
            { pointer: '/stage', detail: `the integration is already in ${asked.stage}` },
          ]);
        const checks = checkPromotion(
          row?.criteria ?? null,
          from,
          asked.stage,
          await stageEvidence(trx, integrationId),
        );
        const unmet = checks.filter((c) => !c.met);
        if (unmet.length > 0 && !asked.override)
          throw new ConfigProblem(
            [],
            `Promoting to ${asked.stage} goes past ${unmet.length} unmet criteria (${unmet.map((c) => c.criterion).join(', ')}): send override with a reason to promote anyway.`,
            409,
            { unmet },
          );
        const override: StageOverride | null =
          unmet.length > 0 && asked.override
            ? { reason: asked.override.reason, unmet: unmet.map((c) => c.criterion) }
            : null;
        const version = (row?.version ?? 0) + 1;
        const now = new Date();
        await trx
          .updateTable('rollout_stages')
          .set({ left_at: now })
          .where('integration_id', '=', integrationId)
          .where('left_at', 'is', null)
          .execute();
        await trx
          .insertInto('rollout_stages')
          .values({
            integration_id: integrationId,
            version,
            stage: asked.stage,
            sample_percent: samplePercent,
            entered_at: now,
            actor: by.actor,
            reason: asked.reason ?? null,
            override: override === null ? null : JSON.stringify(override),
          })
          .execute();
        const values = {
          stage: asked.stage,
          sample_percent: samplePercent,
          version,
          entered_at: now,
          updated_at: now,
          updated_by: by.actor,
        };
        if (row)
          await trx
            .updateTable('integration_rollouts')
            .set((eb) => ({ ...values, revision: eb('revision', '+', 1) }))
            .where('integration_id', '=', integrationId)
            .execute();
        else
          await trx
            .insertInto('integration_rollouts')
            .values({ integration_id: integrationId, ...values })
            .execute();
        // Off ended its poll schedule; a polling trigger starts again at once.
        if (from === 'off')
          await syncPollSchedule(trx, connectors, integrationId, { immediately: true });
        await recordAudit(trx, {
          actor: by.actor,
          action,
          subjectType: 'integration',
          subjectId: integrationId,
          integrationId,
          requestId: by.requestId,
          data: {
            version,
            before: { stage: from, samplePercent: row?.sample_percent ?? null },
            after: { stage: asked.stage, samplePercent },
            reason: asked.reason ?? null,
            checks,
            override,
          },
        });
      })
      .catch(uniqueRaceTo412);
    return view(integrationId);
  }

  return {
    view,
    change,

    /** Back to the stage (and share) before the current one, as a new stage version. */
    async rollback(
      integrationId: string,
      revision: number,
      asked: { reason?: string; override?: { reason: string } },
      by: Actor,
    ): Promise<RolloutView> {
      const current = await rowOf(db, integrationId).executeTakeFirst();
      const previous = current
        ? await db
            .selectFrom('rollout_stages')
            .selectAll()
            .where('integration_id', '=', integrationId)
            .where('version', '=', current.version - 1)
            .executeTakeFirst()
        : undefined;
      // Before the first change the integration was in auto.
      const stage = previous?.stage ?? 'auto';
      if (!current)
        throw new ConfigProblem(
          [],
          'The rollout was never changed: there is nothing to roll back.',
          409,
        );
      return change(
        integrationId,
        revision,
        {
          stage,
          ...(stage === 'sampled' ? { samplePercent: previous?.sample_percent ?? 100 } : {}),
          ...asked,
        },
        by,
        'integration.rollout.rollback',
      );
    },

    /** Sets (or clears, with null) the promotion criteria. */
    async setCriteria(
      integrationId: string,
      revision: number,
      criteria: PromotionCriteria | null,
      by: Actor,
    ): Promise<RolloutView> {
      await db
        .transaction()
        .execute(async (trx) => {
          const row = await lock(trx, integrationId, revision);
          const json = criteria === null ? null : JSON.stringify(criteria);
          if (row)
            await trx
              .updateTable('integration_rollouts')
              .set((eb) => ({
                criteria: json,
                revision: eb('revision', '+', 1),
                updated_at: new Date(),
                updated_by: by.actor,
              }))
              .where('integration_id', '=', integrationId)
              .execute();
          else
            await trx
              .insertInto('integration_rollouts')
              .values({
                integration_id: integrationId,
                stage: 'auto',
                version: 0,
                criteria: json,
                updated_by: by.actor,
              })
              .execute();
          await recordAudit(trx, {
            actor: by.actor,
            action: 'integration.rollout.criteria',
            subjectType: 'integration',
            subjectId: integrationId,
            integrationId,
            requestId: by.requestId,
            data: { before: row?.criteria ?? null, after: criteria },
          });
        })
        .catch(uniqueRaceTo412);
      return view(integrationId);
    },

    /** Every stage version, newest first. */
    async history(integrationId: string) {
      const rows = await db
        .selectFrom('rollout_stages')
        .selectAll()
        .where('integration_id', '=', integrationId)
        .orderBy('version', 'desc')
        .execute();
      return rows.map((r) => ({
        version: r.version,
        stage: r.stage,
        samplePercent: r.sample_percent,
        enteredAt: new Date(r.entered_at).toISOString(),
        leftAt: r.left_at === null ? null : new Date(r.left_at).toISOString(),
        actor: r.actor,
        reason: r.reason,
        override: r.override,
      }));
    },
  };
}

/** Two first changes of one integration at once: the second one's If-Match was stale. */
function uniqueRaceTo412(error: unknown): never {
  if (typeof error === 'object' && error !== null && 'code' in error && error.code === '23505')
    throw new ConfigProblem([], 'The rollout changed meanwhile; read it again.', 412);
  throw error;
}

export type RolloutStore = ReturnType<typeof createRolloutStore>;
