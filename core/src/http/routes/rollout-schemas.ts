import { z } from '@hono/zod-openapi';
import { rolloutStages } from '../../rollout/index.js';

const timestamp = z.string().openapi({ format: 'date-time', example: '2026-12-06T10:00:00.000Z' });

export const StageSchema = z.enum(rolloutStages).openapi('RolloutStage', {
  description:
    '`off`: events refused; `shadow`: runs execute, writes are recorded and compared with the target, not made; `review-all`: every write waits for a reviewer; `sampled`: the writes of a share of records (chosen per record) wait for a reviewer, the rest are automatic; `auto`: writes are made at once.',
});

const rate = (max: number | undefined = 1) =>
  z.number().min(0).max(max).optional().openapi({ example: 0.995 });

export const CriteriaSchema = z
  .object({
    shadow: z
      .object({
        minDays: z.number().min(0).optional().openapi({ example: 30 }),
        minRuns: z.number().int().min(0).optional().openapi({ example: 1000 }),
        minMatchRate: rate(),
      })
      .strict()
      .optional()
      .openapi({ description: 'What shadow must show before any later stage.' }),
    review: z
      .object({
        minDays: z.number().min(0).optional().openapi({ example: 14 }),
        minRuns: z.number().int().min(0).optional().openapi({ example: 200 }),
        minApprovalRate: rate(),
      })
      .strict()
      .optional()
      .openapi({
        description:
          'What review-all or sampled must show before sampled or auto (approval rate: approved unchanged / decided).',
      }),
  })
  .strict()
  .openapi('PromotionCriteria', {
    example: {
      shadow: { minDays: 30, minRuns: 1000, minMatchRate: 0.995 },
      review: { minDays: 14, minApprovalRate: 0.98 },
    },
  });

const CheckSchema = z.object({
  criterion: z.string().openapi({ example: 'shadow.minMatchRate' }),
  required: z.number(),
  actual: z.number().nullable(),
  met: z.boolean(),
});

const EvidenceSchema = z
  .object({
    version: z.number().int(),
    stage: StageSchema,
    samplePercent: z.number().nullable(),
    enteredAt: timestamp,
    leftAt: timestamp.nullable(),
    days: z.number(),
    runs: z.number().int(),
    shadow: z.object({
      compared: z.number().int(),
      matched: z.number().int(),
      unreadable: z.number().int(),
      matchRate: z.number().nullable(),
    }),
    review: z.object({
      decided: z.number().int(),
      approvalRate: z.number().nullable(),
      editRate: z.number().nullable(),
      rejectionRate: z.number().nullable(),
    }),
  })
  .openapi('StageEvidence');

export const RolloutSchema = z
  .object({
    integration: z.string(),
    stage: StageSchema,
    samplePercent: z.number().nullable(),
    version: z.number().int().openapi({ description: 'Stage changes so far.' }),
    revision: z.number().int().openapi({ description: 'Every change; the ETag is "r<revision>".' }),
    enteredAt: timestamp.nullable(),
    criteria: CriteriaSchema.nullable(),
    nextStage: z
      .object({ stage: StageSchema, checks: z.array(CheckSchema) })
      .nullable()
      .openapi({ description: 'The next stage and its criteria, checked now.' }),
    evidence: z.array(EvidenceSchema).openapi({ description: 'Per stage version, newest first.' }),
  })
  .openapi('Rollout', {
    example: {
      integration: 'int_crm-to-erp',
      stage: 'shadow',
      samplePercent: null,
      version: 1,
      revision: 2,
      enteredAt: '2026-12-01T09:00:00.000Z',
      criteria: { shadow: { minDays: 30, minMatchRate: 0.995 } },
      nextStage: {
        stage: 'review-all',
        checks: [
          { criterion: 'shadow.minDays', required: 30, actual: 5.2, met: false },
          { criterion: 'shadow.minMatchRate', required: 0.995, actual: 0.997, met: true },
        ],
      },
      evidence: [],
    },
  });

export const StageChangeSchema = z
  .object({
    stage: StageSchema,
    samplePercent: z
      .number()
      .gt(0)
      .max(100)
      .optional()
      .openapi({ description: 'For `sampled` only: the share of records reviewed.', example: 10 }),
    reason: z.string().min(1).max(1000).optional(),
    override: z
      .object({ reason: z.string().min(1).max(1000) })
      .strict()
      .optional()
      .openapi({
        description:
          'Promote past unmet criteria; the reason and the criteria passed are audited. Without it, 409 lists `unmet`.',
      }),
  })
  .strict()
  .openapi('RolloutStageChange', { example: { stage: 'sampled', samplePercent: 10 } });

export const RollbackSchema = z
  .object({
    reason: z.string().min(1).max(1000).optional(),
    override: z
      .object({ reason: z.string().min(1).max(1000) })
      .strict()
      .optional(),
  })
  .strict()
  .openapi('RolloutRollback', { example: { reason: 'the ERP rejected new tax codes' } });

export const HistorySchema = z
  .object({
    data: z.array(
      z.object({
        version: z.number().int(),
        stage: StageSchema,
        samplePercent: z.number().nullable(),
        enteredAt: timestamp,
        leftAt: timestamp.nullable(),
        actor: z.string(),
        reason: z.string().nullable(),
        override: z.object({ reason: z.string(), unmet: z.array(z.string()) }).nullable(),
      }),
    ),
  })
  .openapi('RolloutHistory');
