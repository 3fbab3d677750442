import { applySettings } from './apply-settings.js';
import { type ConnectorError, toConnectorError } from './errors.js';
import type { RunContext } from './run-context.js';
import type {
  PollingTrigger,
  PollResult,
  SubscriptionData,
  TriggerEvent,
  WebhookTrigger,
} from './trigger.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * The outcome of {@link handleWebhook}: the platform answers 401 to `rejected`.
 *
 * @example
 * ```ts
 * if (outcome.kind === 'accepted') await store(outcome.events);
 * ```
 */
export type WebhookOutcome =
  | { readonly kind: 'accepted'; readonly events: readonly TriggerEvent[] }
  | { readonly kind: 'rejected'; readonly reason: string };

/**
 * Verifies and parses one webhook request through a trigger. The trigger's `settings` are
 * checked first (defaults filled in; invalid settings reject the request with the problems as
 * reason). A `false` or throwing `verify` rejects the request; a throwing `parse` comes out as a
 * `ConnectorError`.
 *
 * @example
 * ```ts
 * const outcome = await handleWebhook(trigger, request, ctx);
 * if (outcome.kind === 'rejected') return c.body(null, 401);
 * ```
 */
export async function handleWebhook(
  trigger: WebhookTrigger,
  request: WebhookRequest,
  ctx: RunContext,
): Promise<WebhookOutcome> {
  let checked: RunContext;
  try {
    checked = applySettings(trigger.settings, ctx, `trigger "${trigger.key}"`);
  } catch (thrown) {
    return { kind: 'rejected', reason: (thrown as ConnectorError).message };
  }
  let verified: boolean;
  try {
    verified = await trigger.verify(request, checked);
  } catch (thrown) {
    const reason = thrown instanceof Error ? thrown.message : String(thrown);
    return { kind: 'rejected', reason: `verification failed: ${reason}` };
  }
  if (verified !== true) return { kind: 'rejected', reason: 'the signature does not match' };
  try {
    const events = await trigger.parse(request, checked);
    return { kind: 'accepted', events };
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
}

/**
 * Runs one poll of a polling trigger with the stored cursor (`null` the first time), after
 * checking `ctx.settings` against the trigger's `settings` fields (`InvalidInputError` with
 * `/settings/...` pointers; defaults filled in); errors come out as `ConnectorError`s. Store the returned cursor only once the items are durable.
 *
 * @example
 * ```ts
 * const { items, cursor } = await runPoll(trigger, ctx, storedCursor);
 * ```
 */
export async function runPoll(
  trigger: PollingTrigger,
  ctx: RunContext,
  cursor: string | null,
): Promise<PollResult<Record<string, unknown>>> {
  try {
    const checked = applySettings(trigger.settings, ctx, `trigger "${trigger.key}"`);
    const result = await trigger.poll(checked, cursor);
    return { items: result.items, cursor: result.cursor };
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
}

/**
 * Registers `webhookUrl` at the trigger's system with its `subscribe` (called by the platform when
 * an integration is enabled, or its webhook URL rotated), after checking `ctx.settings` as
 * {@link runPoll} does; `null` when the trigger subscribes nothing. Errors come out as
 * `ConnectorError`s.
 *
 * @example
 * ```ts
 * const subscription = await subscribeWebhook(trigger, ctx, { webhookUrl });
 * ```
 */
export async function subscribeWebhook(
  trigger: WebhookTrigger,
  ctx: RunContext,
  target: { readonly webhookUrl: string },
): Promise<SubscriptionData | null> {
  if (!trigger.subscribe) return null;
  try {
    const checked = applySettings(trigger.settings, ctx, `trigger "${trigger.key}"`);
    return await trigger.subscribe(checked, target);
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
}

/**
 * Removes a subscription `subscribeWebhook` made (called by the platform when an integration is
 * disabled, or before subscribing a rotated URL). Errors come out as `ConnectorError`s.
 *
 * @example
 * ```ts
 * await unsubscribeWebhook(trigger, ctx, storedSubscription);
 * ```
 */
export async function unsubscribeWebhook(
  trigger: WebhookTrigger,
  ctx: RunContext,
  subscription: SubscriptionData,
): Promise<void> {
  if (!trigger.unsubscribe) return;
  try {
    const checked = applySettings(trigger.settings, ctx, `trigger "${trigger.key}"`);
    await trigger.unsubscribe(checked, subscription);
  } catch (thrown) {
    throw toConnectorError(thrown);
  }
}
