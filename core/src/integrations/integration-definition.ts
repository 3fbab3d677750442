import { z } from '@hono/zod-openapi';

const key = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, {
  error: 'must be lowercase kebab-case, starting with a letter',
});

const path = z.string().regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, {
  error: 'must be a dotted field path, as in "customer.id"',
});

/** A JSON-logic expression: any JSON value; checked by the mapping compiler, not by this schema. */
const Expression = z.unknown().openapi({ example: { var: 'event.email' } });

const ConnectorRef = {
  connector: z.string().min(1).openapi({ example: 'http' }),
  /** Pinned plugin version; filled in with the newest installed version when omitted on save. */
  version: z.string().min(1).optional().openapi({ example: '0.1.0' }),
  connection: z.string().min(1).optional().openapi({ example: 'con_2b1f0c3e' }),
};

export const TriggerRefSchema = z
  .object({
    ...ConnectorRef,
    trigger: z.string().min(1).openapi({ example: 'webhook' }),
    settings: z.record(z.string(), z.unknown()).optional(),
    /**
     * Dotted path of the field that identifies the source record in each event (e.g. `id`).
     * Events of one record run in arrival order, and record links use it as the source id.
     */
    recordKey: path.optional().openapi({ example: 'id' }),
  })
  .strict()
  .openapi('TriggerRef');

const retryFields = {
  /** Attempts that failed (not counting those deferred by a rate limit). */
  maxAttempts: z.number().int().min(1).max(25),
  /** First retry delay; each later one doubles, with jitter, capped at `maxDelaySeconds`. */
  initialDelaySeconds: z.number().min(0.1).max(3600),
  maxDelaySeconds: z.number().min(1).max(86_400),
  /**
   * Time budget from the run's creation: no retry or rate-limit deferral starts after it (the
   * run is then dead, "time budget exhausted").
   */
  maxElapsedSeconds: z.number().int().min(1).max(604_800),
};

export const RetryPolicySchema = z
  .object({
    maxAttempts: retryFields.maxAttempts.default(5),
    initialDelaySeconds: retryFields.initialDelaySeconds.default(2),
    maxDelaySeconds: retryFields.maxDelaySeconds.default(600),
    maxElapsedSeconds: retryFields.maxElapsedSeconds.default(86_400),
  })
  .strict()
  .openapi('RetryPolicy');

/** A step's own retry settings, each over the integration's. */
export const StepRetrySchema = z
  .object({
    maxAttempts: retryFields.maxAttempts.optional(),
    initialDelaySeconds: retryFields.initialDelaySeconds.optional(),
    maxDelaySeconds: retryFields.maxDelaySeconds.optional(),
    maxElapsedSeconds: retryFields.maxElapsedSeconds.optional(),
  })
  .strict()
  .openapi('StepRetryPolicy');

/** Longest time one step may run, in ms: a step's `timeoutMs` above it is refused at save. */
export const STEP_TIMEOUT_MAX_MS = 900_000;
/** A step's timeout when neither the step nor its action says otherwise (JUNCTION_STEP_TIMEOUT_MS). */
export const STEP_TIMEOUT_DEFAULT_MS = 30_000;
/**
 * A gate on an action step: `review` is a JSON-logic condition over `{ event, steps, links }`
 * (the run so far); when it holds, the step's write waits in the review queue, else it goes on at
 * once. `confidence` (an expression, 0 to 1) is recorded with each reviewed item, so that
 * `GET /v1/integrations/{id}/review-stats` shows how reviewers decided by confidence band.
 */
export const GateSchema = z
  .object({
    review: Expression.openapi({
      example: { '<': [{ var: 'steps.extract.confidence' }, 0.8] },
    }),
    confidence: Expression.optional().openapi({ example: { var: 'steps.extract.confidence' } }),
  })
  .strict()
  .openapi('Gate');

export const ActionStepSchema = z
  .object({
    kind: z.literal('action'),
    key,
    ...ConnectorRef,
    action: z.string().min(1).openapi({ example: 'upsert' }),
    /** The action's own settings (declared by its connector), e.g. a table name. */
    settings: z.record(z.string(), z.unknown()).optional(),
    /** Target input field -> JSON-logic expression over `{ event, steps, links }`. */
    mapping: z.record(z.string(), Expression),
    /** Dotted path in the action's output of the target record's id, kept in the record link. */
    targetId: path.optional().openapi({ example: 'id' }),
    /**
     * Action called instead when the source record is already linked to a target record (e.g.
     * an update by the linked id, `{"var": "links.<step>.targetId"}`), so that a second event for
     * the same record updates it rather than creating another.
     */
    linkedAction: z.string().min(1).optional().openapi({ example: 'update' }),
    /** The retry policy for this step's failures, over the integration's (`retry`). */
    retry: StepRetrySchema.optional(),
    /**
     * How long the action may run, in ms (100 to 900000). Unset: the action's own timeout when
     * it declares a longer one, else JUNCTION_STEP_TIMEOUT_MS (30 s by default).
     */
    timeoutMs: z.number().int().min(100).max(STEP_TIMEOUT_MAX_MS).optional().openapi({
      example: 60_000,
    }),
    /** Sends the step's write to the review queue when its condition holds (see Gate). */
    gate: GateSchema.optional(),
  })
  .strict()
  .openapi('ActionStep');

export const ReviewStepSchema = z
  .object({
    kind: z.literal('review'),
    key,
    /**
     * Every write of the next step (an action step) waits for a reviewer: the proposal is its
     * mapped input, with the data it came from and a diff against the target's current record.
     */
    confidence: Expression.optional().openapi({ example: { var: 'steps.extract.confidence' } }),
  })
  .strict()
  .openapi('ReviewStep');

export const FilterStepSchema = z
  .object({
    kind: z.literal('filter'),
    key,
    /** The run stops (succeeded, filtered) when this is falsy. */
    when: Expression,
  })
  .strict()
  .openapi('FilterStep');

export const StepSchema = z.discriminatedUnion('kind', [
  ActionStepSchema,
  FilterStepSchema,
  ReviewStepSchema,
]);

export const RouteSchema = z
  .object({
    key,
    /** JSON-logic condition over `{ event }`; omitted means always. */
    when: Expression.optional(),
    steps: z.array(StepSchema).min(1).max(50),
  })
  .strict()
  .openapi('Route');

export const ReviewSettingsSchema = z
  .object({
    /**
     * An item of this integration's review queue waiting longer than this is escalated: a
     * `review-escalated` event goes to every enabled integration triggered by Junction's own
     * `junction` connector (to route it to a chat webhook, say).
     */
    slaSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .optional()
      .openapi({ example: 14_400 }),
  })
  .strict()
  .openapi('ReviewSettings');

/**
 * How the events of one source record keep their order when a run of the record dies and is
 * replayed (docs/delivery.md). `refuse-stale` (the default): later events go ahead of a dead run;
 * replaying it is refused (409) once a newer event of its record has been applied, so an old event
 * is never written over a newer one. `hold`: a dead run keeps its record's place; the record's
 * later events wait behind it (`pending`, the dead run shows `holdsLane`) until it is replayed or
 * cancelled.
 */
export const OrderingSchema = z
  .enum(['refuse-stale', 'hold'])
  .openapi('Ordering', { example: 'hold' });

/**
 * How long this integration's finished runs are kept: succeeded and cancelled runs, their steps
 * and their events are deleted `days` after they finished (JUNCTION_RETENTION_DAYS when unset).
 * Dead, waiting and unknown-outcome runs are kept until resolved; record links as long as the link
 * lives; the audit trail by its own rules.
 */
export const RetentionSchema = z
  .object({ days: z.number().int().min(1).max(36_500).openapi({ example: 90 }) })
  .strict()
  .openapi('Retention');

export const IntegrationDefinitionSchema = z
  .object({
    name: z.string().min(1).max(200).openapi({ example: 'CRM customers to ERP' }),
    description: z.string().max(2000).optional(),
    trigger: TriggerRefSchema,
    /** `first`: the first route whose condition holds runs; `all`: every matching route runs. */
    routing: z.enum(['first', 'all']).default('first'),
    routes: z.array(RouteSchema).min(1).max(50),
    retry: RetryPolicySchema.optional(),
    review: ReviewSettingsSchema.optional(),
    ordering: OrderingSchema.optional(),
    retention: RetentionSchema.optional(),
  })
  .strict()
  .openapi('IntegrationDefinition', {
    example: {
      name: 'CRM customers to ERP',
      trigger: { connector: 'http', trigger: 'webhook', connection: 'con_crm' },
      routing: 'first',
      routes: [
        {
          key: 'europe',
          when: { in: [{ var: 'event.country' }, ['FR', 'DE', 'NL']] },
          steps: [
            {
              kind: 'action',
              key: 'upsert-customer',
              connector: 'postgres',
              connection: 'con_erp',
              action: 'upsert',
              mapping: {
                table: 'customers',
                record: {
                  object: [
                    ['id', { var: 'event.id' }],
                    ['name', { upper: { var: 'event.name' } }],
                  ],
                },
              },
            },
          ],
        },
      ],
    },
  });

export type IntegrationDefinition = z.infer<typeof IntegrationDefinitionSchema>;
export type Step = z.infer<typeof StepSchema>;
export type ActionStep = z.infer<typeof ActionStepSchema>;
export type ReviewStep = z.infer<typeof ReviewStepSchema>;
export type Route = z.infer<typeof RouteSchema>;
