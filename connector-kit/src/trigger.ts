import type { FieldSet, InferFields } from './field.js';
import type { RunContext, SettingsOf } from './run-context.js';
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

interface TriggerBase<O extends FieldSet, S extends FieldSet> {
  /** Lowercase kebab-case, unique among the connector's triggers. */
  readonly key: string;
  readonly name: string;
  readonly description: string;
  /**
   * Settings an integration gives this trigger (a table name, a signature scheme...). The
   * platform checks them when the integration is saved; `runPoll` and `handleWebhook` check
   * them again and fill in defaults, and plugin code reads them as `ctx.settings`.
   */
  readonly settings?: S;
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
export interface WebhookTrigger<O extends FieldSet = FieldSet, S extends FieldSet = FieldSet>
  extends TriggerBase<O, S> {
  readonly kind: 'webhook';
  /** Returns `false` (or throws) when the request is not authentic. */
  verify(req: WebhookRequest, ctx: RunContext<SettingsOf<S>>): boolean | Promise<boolean>;
  parse(
    req: WebhookRequest,
    ctx: RunContext<SettingsOf<S>>,
  ): TriggerEvent<InferFields<O>>[] | Promise<TriggerEvent<InferFields<O>>[]>;
  /** Registers `webhookUrl` at the remote system when an integration is turned on. */
  subscribe?(
    ctx: RunContext<SettingsOf<S>>,
    target: { readonly webhookUrl: string },
  ): Promise<SubscriptionData>;
  unsubscribe?(ctx: RunContext<SettingsOf<S>>, subscription: SubscriptionData): Promise<void>;
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
export interface PollingTrigger<O extends FieldSet = FieldSet, S extends FieldSet = FieldSet>
  extends TriggerBase<O, S> {
  readonly kind: 'polling';
  /** Suggested seconds between polls; the platform may poll less often. */
  readonly intervalSeconds?: number;
  poll(ctx: RunContext<SettingsOf<S>>, cursor: string | null): Promise<PollResult<InferFields<O>>>;
}

/**
 * The one trigger contract, discriminated by `kind`.
 *
 * @example
 * ```ts
 * const trigger = connector.triggers?.find((t) => t.key === 'contact-created');
 * ```
 */
export type TriggerDefinition<O extends FieldSet = FieldSet, S extends FieldSet = FieldSet> =
  | WebhookTrigger<O, S>
  | PollingTrigger<O, S>;

/**
 * Declares a webhook trigger; `parse` returns events typed by `output`, and `ctx.settings` is
 * typed by `settings` when declared.
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
export function defineWebhookTrigger<const O extends FieldSet, const S extends FieldSet = FieldSet>(
  definition: Omit<WebhookTrigger<O, S>, 'kind'>,
): WebhookTrigger<O, S> {
  return { kind: 'webhook', ...definition };
}

/**
 * Declares a polling trigger; `poll` gets the previous cursor (`null` the first time), and
 * `ctx.settings` typed by `settings` when declared.
 *
 * @example
 * ```ts
 * export const newInvoices = definePollingTrigger({
 *   key: 'new-invoice', name: 'New invoice', description: 'Invoices created since the last poll',
 *   settings: { status: field.enum(['open', 'paid'], { default: 'open' }) },
 *   output: { id: field.string() }, sample: { id: 'inv_1' },
 *   async poll(ctx, cursor) {
 *     const query = { status: ctx.settings.status, after: cursor ?? undefined }; // status: 'open' | 'paid'
 *     const page = await ctx.http.get<{ data: { id: string }[]; next: string | null }>('/invoices', { query });
 *     return { items: page.data.map((i) => ({ dedupeKey: i.id, data: i })), cursor: page.next ?? cursor };
 *   },
 * });
 * ```
 */
export function definePollingTrigger<const O extends FieldSet, const S extends FieldSet = FieldSet>(
  definition: Omit<PollingTrigger<O, S>, 'kind'>,
): PollingTrigger<O, S> {
  return { kind: 'polling', ...definition };
}
