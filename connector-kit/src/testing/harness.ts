import type { ConnectorDefinition } from '../define-connector.js';
import { InvalidInputError } from '../errors.js';
import { runAction } from '../run-action.js';
import type { RunContext } from '../run-context.js';
import { handleWebhook, runPoll, type WebhookOutcome } from '../run-trigger.js';
import type { PollingTrigger, TriggerEvent, WebhookTrigger } from '../trigger.js';
import { type DefinitionProblem, validateConnector } from '../validate-connector.js';
import { isWaitRequest, type PollOutcome } from '../wait.js';
import { checkActionOutput, pollAction } from '../wait-actions.js';
import { createWebhookRequest } from '../webhook-request.js';
import { createTestContext, type TestContextOptions } from './create-test-context.js';

/**
 * Runs an action as the engine would (input checked first), with a test context built from
 * `context` options unless a ready context is given.
 *
 * @example
 * ```ts
 * const out = await runActionForTest(connector, 'create-contact', { email: 'a@b.co' }, { baseUrl: server.url, credentials });
 * ```
 */
export function runActionForTest(
  connector: ConnectorDefinition,
  actionKey: string,
  input: unknown,
  context: RunContext | TestContextOptions = {},
): Promise<Record<string, unknown>> {
  const ctx =
    'logger' in context ? context : createTestContext({ auth: connector.auth, ...context });
  return runAction(connector, actionKey, ctx, input);
}

/**
 * The result of {@link runPollingTriggerForTest}.
 *
 * @example
 * ```ts
 * const { events, cursors } = await runPollingTriggerForTest(trigger, ctx, { polls: 2 });
 * ```
 */
export interface PollingTestResult {
  /** Every item of every poll, in order. */
  readonly events: TriggerEvent[];
  /** The cursor after each poll. */
  readonly cursors: (string | null)[];
}

/**
 * Polls a trigger `polls` times, feeding each returned cursor to the next poll, like the
 * platform does.
 *
 * @example
 * ```ts
 * const { events, cursors } = await runPollingTriggerForTest(newInvoices, ctx, { polls: 3 });
 * ```
 */
export async function runPollingTriggerForTest(
  trigger: PollingTrigger,
  ctx: RunContext,
  options: { readonly polls?: number; readonly cursor?: string | null } = {},
): Promise<PollingTestResult> {
  const events: TriggerEvent[] = [];
  const cursors: (string | null)[] = [];
  let cursor = options.cursor ?? null;
  for (let i = 0; i < (options.polls ?? 1); i++) {
    const result = await runPoll(trigger, ctx, cursor);
    events.push(...result.items);
    cursor = result.cursor;
    cursors.push(cursor);
  }
  return { events, cursors };
}

/**
 * A webhook request to replay: a body plus headers, optionally signed by `sign`.
 *
 * @example
 * ```ts
 * { body: { id: 1 }, sign: (raw) => ({ 'x-signature': signHmacHex({ secret, payload: raw }) }) }
 * ```
 */
export interface ReplayRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
  /** Objects are serialised as JSON; strings and bytes are sent as is. */
  readonly body?: unknown;
  /** Adds signature headers computed over the exact raw body (use the kit's `sign*` helpers). */
  readonly sign?: (rawBody: Buffer) => Readonly<Record<string, string>>;
}

/**
 * Replays a webhook offline: builds the request (signing it when `sign` is given), then runs
 * the trigger's `verify` and `parse` exactly as the platform does.
 *
 * @example
 * ```ts
 * const outcome = await replayWebhook(contactCreated, {
 *   body: { id: 'c_1' },
 *   sign: (raw) => ({ 'x-signature': signHmacHex({ secret: 'shh', payload: raw }) }),
 * }, ctx);
 * ```
 */
export function replayWebhook(
  trigger: WebhookTrigger,
  request: ReplayRequest,
  ctx: RunContext,
): Promise<WebhookOutcome> {
  const body = request.body;
  const raw =
    typeof body === 'string' || body instanceof Uint8Array
      ? Buffer.from(body)
      : Buffer.from(body === undefined ? '' : JSON.stringify(body));
  const headers = {
    'content-type': 'application/json',
    ...request.headers,
    ...request.sign?.(raw),
  };
  const req = createWebhookRequest({
    method: request.method ?? 'POST',
    headers,
    ...(request.query ? { query: request.query } : {}),
    body: raw,
  });
  return handleWebhook(trigger, req, ctx);
}

/**
 * Checks every sample (trigger and action) against its declared fields; returns the problems
 * (empty when all samples match).
 *
 * @example
 * ```ts
 * expect(checkSamples(connector)).toEqual([]);
 * ```
 */
export function checkSamples(connector: ConnectorDefinition): DefinitionProblem[] {
  return validateConnector(connector).filter((p) =>
    /^\/(triggers|actions)\/\d+\/sample/.test(p.path),
  );
}

/**
 * Simulates the callback that settles a parked step, as the platform does when a POST reaches
 * `ctx.resumeUrl`: `result` must be the `WaitRequest` the action returned (with `callback: true`),
 * and `body` (the JSON the system would post) is checked against the action's `output` fields.
 * Returns the step's output; a body that does not fit throws `InvalidInputError` with pointers.
 *
 * @example
 * ```ts
 * const wait = await runActionForTest(connector, 'start-export', { table: 't' });
 * const output = simulateCallback(connector, 'start-export', wait, { fileUrl: 'https://x/1.csv' });
 * ```
 */
export function simulateCallback(
  connector: ConnectorDefinition,
  actionKey: string,
  result: unknown,
  body: unknown,
): Record<string, unknown> {
  if (!isWaitRequest(result) || !result.callback)
    throw new Error(
      `"${actionKey}" did not park its run for a callback (ctx.wait({ callback: true })).`,
    );
  const problems = checkActionOutput(connector, actionKey, body);
  if (problems.length > 0)
    throw new InvalidInputError(
      `The callback body does not match the output of "${actionKey}": ${problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ')}`,
      { problems },
    );
  return body as Record<string, unknown>;
}

/**
 * Polls a parked step once, as the platform does on its schedule: `result` is the `WaitRequest`
 * the action returned (with a `poll`), or the state to poll with.
 *
 * @example
 * ```ts
 * const outcome = await pollForTest(connector, 'start-export', wait, { baseUrl: server.url });
 * ```
 */
export function pollForTest(
  connector: ConnectorDefinition,
  actionKey: string,
  result: unknown,
  context: RunContext | TestContextOptions = {},
): Promise<PollOutcome> {
  const state = isWaitRequest(result) ? result.poll?.state : result;
  const ctx =
    'logger' in context ? context : createTestContext({ auth: connector.auth, ...context });
  return pollAction(connector, actionKey, ctx, state);
}
