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

const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example: '2026-12-01T00:00:00Z' });

export const ReportQuerySchema = z.object({
  from: time('from', 'Shadow writes made at or after this time.'),
  to: time('to', 'Shadow writes made before this time.'),
  format: z
    .enum(['json', 'ndjson', 'csv'])
    .default('json')
    .openapi({
      param: { name: 'format', in: 'query' },
      description:
        '`json`: the summary with examples; `ndjson`, `csv`: every discrepancy of the window, one per line.',
      example: 'json',
    }),
});

export const DiscrepancySchema = z
  .object({
    id: z.string(),
    integration: z.string(),
    run: z.string(),
    step: z.string(),
    targetKey: z.string().nullable(),
    kind: z.enum(['missing', 'extra', 'field']).openapi({
      description:
        '`missing`: the run would have written a record the target does not hold; `extra`: the target holds a record the run would not have (its rules skipped it, or it would have deleted it); `field`: a value differs.',
    }),
    field: z.string().nullable().openapi({ description: 'JSON pointer into the intended input.' }),
    intended: z.unknown(),
    actual: z.unknown(),
    explained: z.object({ by: z.string(), at: timestamp, reason: z.string() }).nullable(),
    createdAt: timestamp,
  })
  .openapi('RolloutDiscrepancy', {
    example: {
      id: 'dsc_4f0c6a2e-5b1d-4c3e-9a8f-7e6d5c4b3a21',
      integration: 'int_crm-to-erp',
      run: 'run_0b6f3c1e-8d2a-4f7b-9c1d-2e3f4a5b6c7d',
      step: 'order',
      targetKey: 'SO-1042',
      kind: 'field',
      field: '/values/total',
      intended: 125,
      actual: 152,
      explained: null,
      createdAt: '2026-12-06T10:05:00.000Z',
    },
  });

const count = z.number().int();

export const ReportSchema = z
  .object({
    integration: z.string(),
    from: timestamp.nullable(),
    to: timestamp.nullable(),
    writes: z.object({
      intended: count,
      pending: count.openapi({ description: 'Not compared yet (settling).' }),
      compared: count,
      matched: count,
      discrepant: count,
      unreadable: count.openapi({ description: 'The target could not be read.' }),
    }),
    matchRate: z.number().nullable().openapi({ description: 'matched / compared.' }),
    discrepancies: z.object({
      total: count,
      open: count,
      explained: count,
      byKind: z.object({ missing: count, extra: count, field: count }),
      byField: z.array(z.object({ field: z.string(), total: count, open: count })),
    }),
    examples: z.array(DiscrepancySchema),
  })
  .openapi('RolloutReport', {
    example: {
      integration: 'int_crm-to-erp',
      from: '2026-12-01T00:00:00.000Z',
      to: null,
      writes: {
        intended: 120,
        pending: 2,
        compared: 118,
        matched: 115,
        discrepant: 3,
        unreadable: 0,
      },
      matchRate: 0.9746,
      discrepancies: {
        total: 3,
        open: 2,
        explained: 1,
        byKind: { missing: 1, extra: 1, field: 1 },
        byField: [{ field: '/values/total', total: 1, open: 1 }],
      },
      examples: [],
    },
  });

export const ExplainSchema = z
  .object({ reason: z.string().min(1).max(2000) })
  .strict()
  .openapi('DiscrepancyExplanation', {
    example: { reason: 'The manual process rounds totals to whole euros.' },
  });
