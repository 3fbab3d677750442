import type { FieldSet, InferFields } from './field.js';
import type { RunContext } from './run-context.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * One item a trigger produces; `dedupeKey` makes a replayed item a no-op.
 *
 * @example
 * ```ts
 * const event: TriggerEvent<{ id: string }> = { dedupeKey: 'evt_1', data: { id: 'c_1' } };
 * ```
 */
export interface TriggerEvent<T = Record<string, unknown>> {
  readonly dedupeKey: string;
  readonly data: T;
}

/**
 * What a webhook subscription returned; the platform stores it and hands it back.
 *
 * @example
 * ```ts
 * subscribe: async (ctx, { webhookUrl }) => ({ hookId: (await ctx.http.post<{ id: string }>('/hooks', { url: webhookUrl })).id }),
 * ```
 */
export type SubscriptionData = Readonly<Record<string, unknown>>;

interface TriggerBase<O extends FieldSet> {
  /** Lowercase kebab-case, unique among the connector's triggers. */
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly output: O;
  /** A realistic event payload, checked against `output`. */
  readonly sample: InferFields<O>;
}

/**
 * A trigger fed by HTTP requests the remote system sends us.
 *
 * @example
 * ```ts
 * if (trigger.kind === 'webhook') await handleWebhook(trigger, request, ctx);
 * ```
 */
export interface WebhookTrigger<O extends FieldSet = FieldSet> extends TriggerBase<O> {
  readonly kind: 'webhook';
  /** Returns `false` (or throws) when the request is not authentic. */
  readonly verify: (req: WebhookRequest, ctx: RunContext) => boolean | Promise<boolean>;
  readonly parse: (
    req: WebhookRequest,
    ctx: RunContext,
  ) => TriggerEvent<InferFields<O>>[] | Promise<TriggerEvent<InferFields<O>>[]>;
  /** Registers `webhookUrl` at the remote system when an integration is turned on. */
  readonly subscribe?: (
    ctx: RunContext,
    target: { readonly webhookUrl: string },
  ) => Promise<SubscriptionData>;
  readonly unsubscribe?: (ctx: RunContext, subscription: SubscriptionData) => Promise<void>;
}

/**
 * The answer of one poll: new items and the cursor to pass to the next poll.
 *
 * @example
 * ```ts
 * return { items: rows.map((r) => ({ dedupeKey: r.id, data: r })), cursor: lastId ?? cursor };
 * ```
 */
export interface PollResult<T> {
  readonly items: TriggerEvent<T>[];
  /** `null` keeps no cursor; the platform stores it after the items are durable. */
  readonly cursor: string | null;
}

/**
 * A trigger the platform calls on a schedule with the last cursor.
 *
 * @example
 * ```ts
 * if (trigger.kind === 'polling') await runPoll(trigger, ctx, cursor);
 * ```
 */
export interface PollingTrigger<O extends FieldSet = FieldSet> extends TriggerBase<O> {
  readonly kind: 'polling';
  /** Suggested seconds between polls; the platform may poll less often. */
  readonly intervalSeconds?: number;
  readonly poll: (ctx: RunContext, cursor: string | null) => Promise<PollResult<InferFields<O>>>;
}

/**
 * The one trigger contract, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const trigger = connector.triggers?.find((t) => t.key === 'contact-created');
 * ```
 */
export type TriggerDefinition<O extends FieldSet = FieldSet> =
  | WebhookTrigger<O>
  | PollingTrigger<O>;

/**
 * Declares a webhook trigger; `parse` returns events typed by `output`.
 *
 * @example
 * ```ts
 * export const contactCreated = defineWebhookTrigger({
 *   key: 'contact-created', name: 'Contact created', description: 'A contact was added',
 *   output: { id: field.string() }, sample: { id: 'c_1' },
 *   verify: (req, ctx) => verifyHmacHex({ secret: String(ctx.credentials.webhookSecret), payload: req.rawBody, signature: req.headers['x-signature'] }),
 *   parse: (req) => [{ dedupeKey: String((req.body as { id: string }).id), data: { id: (req.body as { id: string }).id } }],
 * });
 * ```
 */
export function defineWebhookTrigger<const O extends FieldSet>(
  definition: Omit<WebhookTrigger<O>, 'kind'>,
): WebhookTrigger<O> {
  return { kind: 'webhook', ...definition };
}

/**
 * Declares a polling trigger; `poll` gets the previous cursor (`null` the first time).
 *
 * @example
 * ```ts
 * export const newInvoices = definePollingTrigger({
 *   key: 'new-invoice', name: 'New invoice', description: 'Invoices created since the last poll',
 *   output: { id: field.string() }, sample: { id: 'inv_1' },
 *   async poll(ctx, cursor) {
 *     const page = await ctx.http.get<{ data: { id: string }[]; next: string | null }>('/invoices', { query: { after: cursor ?? undefined } });
 *     return { items: page.data.map((i) => ({ dedupeKey: i.id, data: i })), cursor: page.next ?? cursor };
 *   },
 * });
 * ```
 */
export function definePollingTrigger<const O extends FieldSet>(
  definition: Omit<PollingTrigger<O>, 'kind'>,
): PollingTrigger<O> {
  return { kind: 'polling', ...definition };
}
