import { z } from '@hono/zod-openapi';
import { SyncDefinitionSchema } from '../../sync/sync-definition.js';

export const SyncSchema = z
  .object({
    id: z.string().openapi({ example: 'syn_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d' }),
    name: z.string(),
    enabled: z.boolean(),
    version: z.number().int().openapi({ description: 'The current version.' }),
    revision: z.number().int(),
    definition: SyncDefinitionSchema,
    lastRun: z
      .object({
        at: z.string().openapi({ format: 'date-time' }),
        ok: z.boolean(),
        counts: z.record(z.string(), z.number()).optional(),
        error: z.string().optional(),
        retryAt: z.string().optional().openapi({ format: 'date-time' }),
      })
      .nullable()
      .openapi({
        description:
          "What the last run did (records by outcome: created, updated, echo, conflict, deleted...) or why it failed (it runs again at its interval, or at the target's retryAt).",
        example: { at: '2026-12-06T10:00:00.000Z', ok: true, counts: { created: 3, echo: 3 } },
      }),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Sync');

export const SyncSummarySchema = SyncSchema.omit({ definition: true }).openapi('SyncSummary', {
  example: {
    id: 'syn_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d',
    name: 'CRM contacts <-> ERP customers',
    enabled: true,
    version: 2,
    revision: 4,
    lastRun: { at: '2026-12-06T11:05:00.000Z', ok: true, counts: { updated: 2, echo: 2 } },
    createdAt: '2026-12-06T10:00:00.000Z',
    updatedAt: '2026-12-06T11:00:00.000Z',
  },
});

export const SyncVersionSchema = z
  .object({
    version: z.number().int(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    createdBy: z.string(),
    definition: SyncDefinitionSchema.optional(),
  })
  .openapi('SyncVersion', {
    example: { version: 1, createdAt: '2026-12-06T10:00:00.000Z', createdBy: 'token:tok_1' },
  });

export const SyncEnableSchema = z
  .object({
    backfill: z.boolean().optional().openapi({
      description:
        'Start a backfill when the sync has none that succeeded and none under way (default true); false opts out.',
    }),
  })
  .strict()
  .openapi('SyncEnable', { example: { backfill: false } });

export const SyncEnabledSchema = SyncSchema.extend({
  backfill: z
    .object({
      id: z.string(),
      href: z.string(),
      started: z.boolean().openapi({
        description: 'True: this enable started it; false: it was already queued or running.',
      }),
    })
    .nullable()
    .openapi({
      description:
        'The backfill that lists both sides from the beginning before change detection runs: started by this enable, or already under way; null when one succeeded before, when the body opted out, or when the sync was enabled already.',
      example: {
        id: 'sbf_0b6f3f0e-2f7d-4c59-9d7e-8d0c1f3a4b21',
        href: '/v1/syncs/syn_0b7e4c2a-51d3-4a8e-9d1c-3f2e1a0b9c8d/backfills/sbf_0b6f3f0e-2f7d-4c59-9d7e-8d0c1f3a4b21',
        started: true,
      },
    }),
}).openapi('SyncEnabled');
