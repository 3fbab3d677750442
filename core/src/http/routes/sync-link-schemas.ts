import { z } from '@hono/zod-openapi';
import type { LinkRow } from '../../sync/sync-links.js';

export const linkStates = ['active', 'pending', 'conflict', 'flagged', 'archived'] as const;

export const LinkSchema = z
  .object({
    id: z.string(),
    aKey: z.string().nullable(),
    bKey: z.string().nullable(),
    state: z.enum(linkStates),
    note: z.string().nullable().openapi({
      description: 'Why a link is flagged or archived (deleted on a side, create outcome unknown).',
    }),
    aVersion: z.string().nullable(),
    bVersion: z.string().nullable(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    updatedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('SyncLink', {
    example: {
      id: '42',
      aKey: '17',
      bKey: null,
      state: 'flagged',
      note: 'deleted on b',
      aVersion: '2026-12-06T10:00:00.000Z',
      bVersion: '2026-12-06T10:00:00.120Z',
      createdAt: '2026-12-06T09:00:00.000Z',
      updatedAt: '2026-12-06T10:05:00.000Z',
    },
  });

export type LinkView = z.infer<typeof LinkSchema>;

export function linkView(row: LinkRow): LinkView {
  const time = (at: Date) => new Date(at).toISOString();
  return {
    id: String(row.id),
    aKey: row.a_key,
    bKey: row.b_key,
    state: row.state as LinkView['state'],
    note: row.note,
    aVersion: row.a_version,
    bVersion: row.b_version,
    createdAt: time(row.created_at),
    updatedAt: time(row.updated_at),
  };
}

export const RelinkSchema = z
  .object({
    side: z.enum(['a', 'b']).openapi({ description: 'The side whose record the link is given.' }),
    key: z
      .string()
      .min(1)
      .max(500)
      .openapi({ description: "The record's key on that side (its record type's key field)." }),
  })
  .strict()
  .openapi('SyncRelink', {
    description:
      'Link the link to record `key` of `side` (the record must exist and be linked by no other link); the record of the other side stays.',
    example: { side: 'b', key: '1042' },
  });
