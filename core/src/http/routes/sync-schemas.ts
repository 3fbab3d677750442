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
