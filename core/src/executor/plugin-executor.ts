import {
  type ConnectionInfo,
  type ConnectorError,
  type Credentials,
  createMemoryState,
  createRunContext,
  type EgressRules,
  handleWebhook,
  type LogEntry,
  pollAction,
  RetryableError,
  type RunContext,
  readCurrentRecord,
  runAction,
  runPoll,
  type StateStore,
  type SubscriptionData,
  subscribeWebhook,
  toConnectorError,
  unsubscribeWebhook,
  type WebhookRequest,
} from '@junction/connector-kit';
import type { ResolvedConnector } from '../connectors/connector-source.js';

/** One call into plugin code. */
export type Operation =
  | { readonly kind: 'action'; readonly action: string; readonly input: unknown }
  | { readonly kind: 'action-poll'; readonly action: string; readonly state: unknown }
  | { readonly kind: 'action-current'; readonly action: string; readonly input: unknown }
  | { readonly kind: 'test' }
  | { readonly kind: 'poll'; readonly trigger: string; readonly cursor: string | null }
  | { readonly kind: 'webhook'; readonly trigger: string; readonly request: WebhookRequest }
  | { readonly kind: 'subscribe'; readonly trigger: string; readonly webhookUrl: string }
  | {
      readonly kind: 'unsubscribe';
      readonly trigger: string;
      readonly subscription: SubscriptionData;
    };

export interface ExecuteRequest {
  readonly connector: ResolvedConnector;
  readonly operation: Operation;
  readonly credentials: Credentials;
  readonly connection: ConnectionInfo;
  readonly idempotencyKey: string;
  readonly timeoutMs: number;
  readonly state?: StateStore;
  /** The trigger's or step's settings from the integration (table names, signature scheme...). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly signal?: AbortSignal;
  readonly log?: (entry: LogEntry) => void;
  /** The step's signed resume URL (`ctx.resumeUrl`), for actions that may wait for a callback. */
  readonly resumeUrl?: string;
}

/** Plugin output, or the plugin's failure as a typed error the engine acts on. */
export type ExecuteResult =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: ConnectorError };

/**
 * The one boundary between Junction and plugin code. This implementation runs the plugin in
 * this process with a hard timeout; a plugin that throws or hangs fails its own call only.
 * Running plugins in a separate process means replacing this module, nothing else.
 */
export interface PluginExecutor {
  execute(request: ExecuteRequest): Promise<ExecuteResult>;
}

/**
 * Runs plugin code in this process. `egress`: where it may connect (`ctx.egress`, which `ctx.http`
 * and the shipped database connectors go through).
 */
export function createInProcessExecutor(
  options: { readonly egress?: EgressRules } = {},
): PluginExecutor {
  return {
    async execute(request) {
      // The abort signal is made when plugin code first reads it: most calls (a webhook's
      // signature check, a database write) never do, and an AbortController is a good part of
      // what a webhook's call costs.
      let controller: AbortController | undefined;
      let signal: AbortSignal | undefined;
      let timedOut: Error | undefined;
      const { definition } = request.connector;
      const ctx = createRunContext({
        auth: definition.auth,
        credentials: request.credentials,
        state: request.state ?? createMemoryState(),
        logSink: request.log ?? (() => {}),
        get signal() {
          if (signal === undefined) {
            controller = new AbortController();
            if (timedOut) controller.abort(timedOut); // read by a call still going after it
            signal = request.signal
              ? AbortSignal.any([request.signal, controller.signal])
              : controller.signal;
          }
          return signal;
        },
        idempotencyKey: request.idempotencyKey,
        connection: request.connection,
        ...(request.settings ? { settings: request.settings } : {}),
        ...(request.resumeUrl ? { resumeUrl: request.resumeUrl } : {}),
        ...(options.egress ? { egress: options.egress } : {}),
        // The engine retries whole steps, with backoff it records; the client does not retry.
        http: { retries: 0 },
        baseUrl: (request.connection.settings?.baseUrl as string | undefined) ?? definition.baseUrl,
      });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new RetryableError(
            `${definition.id}: ${describe(request.operation)} did not finish within ${request.timeoutMs} ms.`,
          );
          timedOut = error;
          controller?.abort(error);
          reject(error);
        }, request.timeoutMs);
      });
      try {
        const output = await Promise.race([call(request, ctx), timeout]);
        return { ok: true, output };
      } catch (thrown) {
        return { ok: false, error: toConnectorError(thrown) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function call(request: ExecuteRequest, ctx: RunContext): Promise<unknown> {
  const { definition } = request.connector;
  const operation = request.operation;
  switch (operation.kind) {
    case 'action':
      return runAction(definition, operation.action, ctx, operation.input);
    case 'action-poll':
      return pollAction(definition, operation.action, ctx, operation.state);
    case 'action-current':
      return readCurrentRecord(definition, operation.action, ctx, operation.input);
    case 'test':
      return definition.auth.test ? definition.auth.test(ctx) : { ok: true, tested: false };
    case 'poll': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'polling') throw new Error(`no polling trigger "${operation.trigger}"`);
      return runPoll(trigger, ctx, operation.cursor);
    }
    case 'webhook': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'webhook') throw new Error(`no webhook trigger "${operation.trigger}"`);
      return handleWebhook(trigger, operation.request, ctx);
    }
    case 'subscribe':
    case 'unsubscribe': {
      const trigger = definition.triggers?.find((t) => t.key === operation.trigger);
      if (trigger?.kind !== 'webhook') throw new Error(`no webhook trigger "${operation.trigger}"`);
      return operation.kind === 'subscribe'
        ? subscribeWebhook(trigger, ctx, { webhookUrl: operation.webhookUrl })
        : unsubscribeWebhook(trigger, ctx, operation.subscription);
    }
  }
}

function describe(operation: Operation): string {
  switch (operation.kind) {
    case 'action':
      return `action "${operation.action}"`;
    case 'action-poll':
      return `the poll of action "${operation.action}"`;
    case 'action-current':
      return `reading the current record for action "${operation.action}"`;
    case 'test':
      return 'the connection test';
    case 'poll':
    case 'webhook':
      return `trigger "${operation.trigger}"`;
    case 'subscribe':
    case 'unsubscribe':
      return `${operation.kind} of trigger "${operation.trigger}"`;
  }
}
