import {
  type ConnectionInfo,
  type ConnectorError,
  type Credentials,
  createMemoryState,
  createRunContext,
  type EgressRules,
  type LogEntry,
  RetryableError,
  type StateStore,
  toConnectorError,
} from '@junction/connector-kit';
import type { ResolvedConnector } from '../connectors/connector-source.js';
import { callOperation, describeOperation } from './call-operation.js';
import type { Operation } from './operation.js';

export type { Operation } from './operation.js';

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
            `${definition.id}: ${describeOperation(request.operation)} did not finish within ${request.timeoutMs} ms.`,
          );
          timedOut = error;
          controller?.abort(error);
          reject(error);
        }, request.timeoutMs);
      });
      try {
        const output = await Promise.race([
          callOperation(definition, request.operation, ctx),
          timeout,
        ]);
        return { ok: true, output };
      } catch (thrown) {
        return { ok: false, error: toConnectorError(thrown) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
