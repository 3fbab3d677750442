import { z } from '@hono/zod-openapi';
import { runStates } from '../../runs/run-view.js';
import { PageQuerySchema } from '../pagination.js';

const runId = 'run_0b6f3c1e-8d2a-4f7b-9c1d-2e3f4a5b6c7d';
const timestamp = z.string().openapi({ format: 'date-time', example: '2026-11-28T10:00:00.120Z' });
const optionalTimestamp = z.string().nullable().openapi({ format: 'date-time' });

export const RunStateSchema = z.enum(runStates).openapi('RunState');

export const RunSchema = z
  .object({
    id: z.string().openapi({ example: runId }),
    integration: z.string().openapi({ example: 'int_crm-to-erp' }),
    version: z.number().int().openapi({ description: 'Integration version the run is bound to.' }),
    eventId: z.string().openapi({ example: 'evt_5b0f7c1e-2d3a-4f6b-9c8d-7e1a2b3c4d5e' }),
    sourceRecord: z
      .string()
      .nullable()
      .openapi({ description: "The source record's id (its lane).", example: '1042' }),
    state: RunStateSchema,
    attempts: z.number().int().openapi({ example: 1 }),
    maxAttempts: z.number().int().openapi({ example: 5 }),
    replayOf: z.string().nullable().openapi({ description: 'The run this one replays.' }),
    outcome: z.string().nullable().openapi({ example: 'attempts exhausted' }),
    lastError: z.record(z.string(), z.unknown()).nullable(),
    createdAt: timestamp,
    startedAt: optionalTimestamp,
    finishedAt: optionalTimestamp,
    nextAttemptAt: optionalTimestamp,
    holdsLane: z.boolean().openapi({
      description:
        "A dead run that keeps its record's place (the integration's ordering is `hold`): the record's later runs wait behind it, `pending`, until it is replayed or cancelled.",
    }),
    stage: z.enum(['off', 'shadow', 'review-all', 'sampled', 'auto']).openapi({
      description:
        "The integration's rollout stage when the run was created: in `shadow` its writing steps were recorded, not called; each step ran in it.",
    }),
    stageReview: z.boolean().openapi({
      description:
        'Whether the rollout sent its writes to review (`review-all`, or a record inside the `sampled` share).',
    }),
  })
  .openapi('Run', {
    example: {
      id: runId,
      integration: 'int_crm-to-erp',
      version: 3,
      eventId: 'evt_5b0f7c1e-2d3a-4f6b-9c8d-7e1a2b3c4d5e',
      sourceRecord: '1042',
      state: 'dead',
      attempts: 1,
      maxAttempts: 5,
      replayOf: null,
      outcome: 'not retryable',
      lastError: { kind: 'invalidInput', message: 'country not served' },
      createdAt: '2026-11-28T10:00:00.120Z',
      startedAt: '2026-11-28T10:00:00.135Z',
      finishedAt: '2026-11-28T10:00:00.190Z',
      nextAttemptAt: null,
      holdsLane: false,
      stage: 'auto',
      stageReview: false,
    },
  });

export const StepSchema = z
  .object({
    route: z.string().openapi({ example: 'all' }),
    step: z.string().openapi({ example: 'customer' }),
    attempt: z.number().int().openapi({ example: 1 }),
    state: z
      .enum(['succeeded', 'skipped', 'filtered', 'failed', 'waiting', 'rejected', 'shadowed'])
      .openapi({
        description:
          '`waiting`: the step parked the run (for a callback, a poll or a review); `rejected`: a reviewer rejected its write; `shadowed`: a writing step of a run in shadow, recorded (its input is the intended call) and not called.',
      }),
    input: z.unknown().openapi({ example: { number: 'C-1042', name: 'ADA' } }),
    output: z.unknown().openapi({ example: { id: 'T-7' } }),
    error: z.record(z.string(), z.unknown()).nullable(),
    startedAt: timestamp,
    finishedAt: timestamp,
    durationMs: z.number().openapi({ example: 41.7 }),
  })
  .openapi('RunStep');

export const RunDetailSchema = RunSchema.extend({
  event: z.object({
    id: z.string(),
    dedupeKey: z.string(),
    sourceRecord: z.string().nullable(),
    receivedAt: timestamp,
    data: z.unknown().openapi({ example: { id: '1042', name: 'Ada', country: 'FR' } }),
  }),
  steps: z.array(StepSchema).openapi({ description: 'Every step attempt, in recorded order.' }),
}).openapi('RunDetail');

const stateList = new RegExp(`^(${runStates.join('|')})(,(${runStates.join('|')}))*$`);
const StateParam = z.string().regex(stateList, {
  message: `one or more of ${runStates.join(', ')}, separated by commas`,
});
const time = (name: string, description: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ param: { name, in: 'query' }, description, example: '2026-11-28T00:00:00Z' });

export const RunQuerySchema = z
  .object({
    integration: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ param: { name: 'integration', in: 'query' }, description: 'An integration id.' }),
    state: z
      .union([StateParam, z.array(StateParam)])
      .optional()
      .openapi({
        param: { name: 'state', in: 'query' },
        description: 'One or several states: `state=dead,failed` or `state=dead&state=failed`.',
        example: 'dead,failed',
      }),
    record: z
      .string()
      .min(1)
      .max(500)
      .optional()
      .openapi({
        param: { name: 'record', in: 'query' },
        description: "The source record's id.",
        example: '1042',
      }),
    from: time('from', 'Runs created at or after this time.'),
    to: time('to', 'Runs created before this time.'),
  })
  .extend(PageQuerySchema.shape);

export const RunStatsSchema = z
  .object({
    integration: z.string(),
    counts: z.object(Object.fromEntries(runStates.map((s) => [s, z.number().int()]))),
  })
  .openapi('RunStats', {
    example: {
      integration: 'int_crm-to-erp',
      counts: {
        pending: 0,
        queued: 2,
        running: 1,
        waiting: 0,
        failed: 1,
        succeeded: 1250,
        dead: 3,
        cancelled: 0,
      },
    },
  });

export const DecisionSchema = z
  .discriminatedUnion('decision', [
    z
      .object({
        decision: z.literal('done'),
        /** The step's output as the target holds it (what the action would have answered). */
        output: z.unknown().refine((v) => v !== undefined, { error: 'is required' }),
      })
      .strict(),
    z.object({ decision: z.literal('send-again') }).strict(),
  ])
  .openapi('RunDecision', {
    example: { decision: 'done', output: { id: 'T-7', number: 'C-1042' } },
  });

export const ReplayDeadSchema = z
  .object({
    count: z.number().int(),
    runs: z.array(z.object({ id: z.string(), replayOf: z.string(), state: RunStateSchema })),
    skipped: z
      .array(z.object({ runId: z.string(), detail: z.string() }))
      .openapi({ description: 'Dead runs changed by someone else meanwhile, left as they were.' }),
  })
  .openapi('ReplayDeadResult', {
    example: {
      count: 1,
      runs: [{ id: runId, replayOf: 'run_9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', state: 'queued' }],
      skipped: [],
    },
  });
