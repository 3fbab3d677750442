import { z } from '@hono/zod-openapi';
import { PageQuerySchema } from '../pagination.js';

const timestamp = z.string().openapi({ format: 'date-time' });

export const ReviewSchema = z
  .object({
    id: z.string(),
    integration: z.string(),
    run: z.string(),
    route: z.string(),
    step: z.string(),
    state: z.enum(['open', 'approved', 'rejected', 'cancelled']),
    reason: z
      .string()
      .openapi({ description: '`step` (a review step) or `gate` (its condition held).' }),
    confidence: z.number().nullable(),
    proposal: z.record(z.string(), z.unknown()).openapi({
      description:
        "The input the write receives when approved: the reviewer's edit, else the mapped one.",
    }),
    mapped: z
      .record(z.string(), z.unknown())
      .openapi({ description: 'What the mapping proposed.' }),
    edited: z.boolean(),
    source: z
      .unknown()
      .openapi({ description: '`{ event, steps }`: the data it was mapped from.' }),
    current: z.record(z.string(), z.unknown()).nullable().optional().openapi({
      description:
        "The target's current record (null: none yet); absent when the action cannot read it.",
    }),
    diff: z
      .array(z.object({ pointer: z.string(), current: z.unknown(), proposed: z.unknown() }))
      .optional(),
    assignee: z.string().nullable().openapi({ description: 'The token holding its claim.' }),
    claimExpiresAt: timestamp.nullable(),
    sla: z.object({
      dueAt: timestamp.nullable(),
      state: z.enum(['none', 'ok', 'breached']),
      escalatedAt: timestamp.nullable(),
    }),
    decision: z.object({ by: z.string(), at: timestamp, reason: z.string().nullable() }).nullable(),
    createdAt: timestamp,
    revision: z.number().int(),
  })
  .openapi('ReviewItem', {
    example: {
      id: 'wt_0190f3c2-7a4e-7c1d-9b8e-2f4a6c8d0e1f',
      integration: 'int_0b7e4c2a',
      run: 'run_0190f3c2',
      route: 'all',
      step: 'erp-write',
      state: 'open',
      reason: 'gate',
      confidence: 0.62,
      proposal: {
        table: 'erp_invoices',
        keyColumn: 'number',
        key: 'INV-7',
        values: { total: 1200 },
      },
      mapped: { table: 'erp_invoices', keyColumn: 'number', key: 'INV-7', values: { total: 1200 } },
      edited: false,
      source: {
        event: { body: { text: 'Invoice INV-7 ...' } },
        steps: { extract: { confidence: 0.62 } },
      },
      current: null,
      diff: [{ pointer: '/values/total', current: null, proposed: 1200 }],
      assignee: null,
      claimExpiresAt: null,
      sla: { dueAt: '2026-05-04T12:00:00.000Z', state: 'ok', escalatedAt: null },
      decision: null,
      createdAt: '2026-05-04T08:00:00.000Z',
      revision: 1,
    },
  });

export const ReviewQuerySchema = PageQuerySchema.extend({
  integration: z
    .string()
    .max(200)
    .optional()
    .openapi({ param: { name: 'integration', in: 'query' } }),
  state: z
    .enum(['open', 'decided', 'all'])
    .default('open')
    .openapi({ param: { name: 'state', in: 'query' }, description: 'Default: open (the queue).' }),
  assignee: z
    .string()
    .max(200)
    .optional()
    .openapi({
      param: { name: 'assignee', in: 'query' },
      description: '`me`, `none` (unclaimed), or a token id.',
    }),
  sla: z
    .enum(['ok', 'breached'])
    .optional()
    .openapi({ param: { name: 'sla', in: 'query' } }),
  minAgeSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({
      param: { name: 'minAgeSeconds', in: 'query' },
      description: 'Waiting at least this long.',
    }),
});

const input = z.record(z.string(), z.unknown()).openapi({
  description:
    "A whole input of the step's action, checked against its fields like a mapping's output.",
  example: { table: 'erp_invoices', keyColumn: 'number', key: 'INV-7', values: { total: 1250 } },
});

export const ClaimSchema = z
  .object({ seconds: z.number().int().min(1).max(86_400).optional() })
  .strict()
  .openapi('ReviewClaim');
export const EditSchema = z.object({ input }).strict().openapi('ReviewEdit');
export const ApproveSchema = z
  .object({ input: input.optional() })
  .strict()
  .openapi('ReviewApproval');
export const RejectSchema = z
  .object({ reason: z.string().min(1).max(2000).openapi({ example: 'Not our supplier.' }) })
  .strict()
  .openapi('ReviewRejection');
export const AssignSchema = z
  .object({
    assignee: z.string().min(1).max(200).nullable().openapi({
      description:
        'A token id of a reviewer (or admin) allowed on the integration; null takes it back.',
      example: 'tok_5f0c6f1e-3b8e-4c59-9d1a-7a2b5f1c9e20',
    }),
  })
  .strict()
  .openapi('ReviewAssignment');
export const BulkApproveSchema = z
  .object({ ids: z.array(z.string().min(1).max(200)).min(1).max(200) })
  .strict()
  .openapi('ReviewBulkApproval');
export const BulkApprovedSchema = z
  .object({
    approved: z.array(z.string()),
    refused: z.array(z.object({ id: z.string(), status: z.number().int(), detail: z.string() })),
  })
  .openapi('ReviewBulkApproved');
export const ReviewStatsSchema = z
  .object({
    integration: z.string(),
    bands: z.array(
      z.object({
        band: z.string().openapi({ example: '0.6-0.7', description: '`none`: no confidence.' }),
        approved: z.number().int().openapi({ description: 'Approved unchanged.' }),
        edited: z.number().int().openapi({ description: 'Approved with an edit.' }),
        rejected: z.number().int(),
        open: z.number().int(),
      }),
    ),
  })
  .openapi('ReviewStats');
