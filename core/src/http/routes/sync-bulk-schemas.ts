import { z } from '@hono/zod-openapi';

const instant = z.string().openapi({ example: '2026-12-06T21:00:00.000Z' });

/** Done, total, rate and ETA of a backfill or reconciliation, described for each. */
const progress = (done: string, total: string) =>
  z.object({
    done: z.number().int().openapi({ description: done }),
    total: z.number().int().nullable().openapi({ description: total }),
    ratePerSecond: z.number().int().nullable(),
    eta: instant.nullable(),
  });
const totals = z.object({ a: z.number().int().nullable(), b: z.number().int().nullable() });

export const BackfillSchema = z
  .object({
    id: z.string().openapi({ example: 'sbf_0b6f3f0e-2f7d-4c59-9d7e-8d0c1f3a4b21' }),
    syncId: z.string().openapi({ example: 'syn_5d1c9a8e-0f7b-4e2a-9c3d-1b2a3c4d5e6f' }),
    syncVersion: z.number().int(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    plan: z.array(z.enum(['scan:a', 'scan:b', 'walk:a', 'walk:b'])).openapi({
      description:
        'Its passes: scan:x lists side x for matching, walk:x links and creates the records of x.',
      example: ['scan:b', 'walk:a', 'walk:b'],
    }),
    pass: z.number().int().openapi({ description: 'The pass under way (= plan length: done).' }),
    progress: progress(
      'Records read so far in all passes.',
      "Records of all passes: from the start when every side's record type can count, else once every side has been listed once (null until then).",
    ),
    totals,
    linked: z.number().int().openapi({ description: 'Existing records linked by the match.' }),
    created: z.object({ a: z.number().int(), b: z.number().int() }),
    flagged: z.number().int().openapi({
      description: 'Creates interrupted by a crash whose outcome is unknown (links flagged).',
    }),
    skipped: z.number().int().openapi({ description: 'Records the mapping could not map.' }),
    resumed: z.number().int().openapi({ description: 'How often it resumed after a crash.' }),
    error: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
  })
  .openapi('SyncBackfill', {
    example: {
      id: 'sbf_0b6f3f0e-2f7d-4c59-9d7e-8d0c1f3a4b21',
      syncId: 'syn_5d1c9a8e-0f7b-4e2a-9c3d-1b2a3c4d5e6f',
      syncVersion: 1,
      state: 'running',
      plan: ['scan:b', 'walk:a', 'walk:b'],
      pass: 1,
      progress: {
        done: 42000,
        total: 100000,
        ratePerSecond: 30500,
        eta: '2026-12-06T21:00:02.000Z',
      },
      totals: { a: 100000, b: 0 },
      linked: 0,
      created: { a: 0, b: 42000 },
      flagged: 0,
      skipped: 0,
      resumed: 0,
      error: null,
      requestedBy: 'token:tok_admin',
      createdAt: '2026-12-06T20:59:58.000Z',
      startedAt: '2026-12-06T20:59:58.100Z',
      finishedAt: null,
    },
  });

const counts = z.object({
  only_a: z.number().int(),
  only_b: z.number().int(),
  differs: z.number().int(),
  stale_link: z.number().int(),
  unlinked: z.number().int(),
});

export const ReconciliationSchema = z
  .object({
    id: z.string().openapi({ example: 'src_7a1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b' }),
    syncId: z.string(),
    syncVersion: z.number().int(),
    state: z.enum(['queued', 'running', 'succeeded', 'failed']),
    phase: z.string().nullable().openapi({
      description:
        'The part under way: list:a, list:b (each side listed into scratch rows), compare (the two merged and each finding re-checked), stale (links whose records are gone on both sides); null once ended.',
      example: 'compare',
    }),
    trigger: z.enum(['api', 'schedule']),
    seen: z.object({ a: z.number().int(), b: z.number().int() }),
    progress: progress(
      'Records listed on both sides plus scratch rows compared.',
      "Twice the sides' records: from the start when both record types can count, else once both are listed (null until then).",
    ),
    totals,
    dismissed: z.number().int().openapi({
      description:
        'Findings of the snapshot that a re-check under the sync lock found settled, or on their way through the enabled sync: not drift.',
    }),
    resumed: z.number().int().openapi({ description: 'How often it resumed after a crash.' }),
    counts,
    error: z.string().nullable(),
    requestedBy: z.string(),
    createdAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
  })
  .openapi('SyncReconciliation', {
    example: {
      id: 'src_7a1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
      syncId: 'syn_5d1c9a8e-0f7b-4e2a-9c3d-1b2a3c4d5e6f',
      syncVersion: 1,
      state: 'succeeded',
      phase: null,
      trigger: 'api',
      seen: { a: 1000, b: 998 },
      progress: { done: 3996, total: 3996, ratePerSecond: 3330, eta: null },
      totals: { a: 1000, b: 998 },
      dismissed: 3,
      resumed: 0,
      counts: { only_a: 1, only_b: 0, differs: 2, stale_link: 1, unlinked: 0 },
      error: null,
      requestedBy: 'token:tok_admin',
      createdAt: '2026-12-06T21:00:00.000Z',
      startedAt: '2026-12-06T21:00:00.050Z',
      finishedAt: '2026-12-06T21:00:01.200Z',
    },
  });

export const DriftItemSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['only_a', 'only_b', 'differs', 'stale_link', 'unlinked']),
    aKey: z.string().nullable(),
    bKey: z.string().nullable(),
    linkId: z.string().nullable(),
    fields: z
      .array(z.object({ field: z.string(), a: z.unknown(), b: z.unknown() }))
      .nullable()
      .openapi({ description: 'For differs: each field under the mapping, with both values.' }),
    missing: z.enum(['a', 'b', 'both']).nullable().openapi({
      description: 'For a stale link: the side whose record is gone.',
    }),
    state: z.enum(['open', 'repaired', 'skipped', 'failed']),
    repair: z.record(z.string(), z.unknown()).nullable(),
    createdAt: instant,
    repairedAt: instant.nullable(),
  })
  .openapi('SyncDriftItem', {
    example: {
      id: '17',
      kind: 'differs',
      aKey: '42',
      bKey: '1042',
      linkId: '9',
      fields: [{ field: 'values.email', a: 'ann@example.com', b: 'ann@old.example.com' }],
      missing: null,
      state: 'open',
      repair: null,
      createdAt: '2026-12-06T21:00:01.000Z',
      repairedAt: null,
    },
  });

export const RepairResultSchema = z
  .object({ repaired: z.number().int(), skipped: z.number().int(), failed: z.number().int() })
  .openapi('SyncRepairResult', { example: { repaired: 4, skipped: 0, failed: 0 } });

export const BulkParamSchema = z.object({
  id: z.string().min(1).max(200),
  rid: z.string().min(1).max(200),
});
