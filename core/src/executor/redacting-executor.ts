import { type ConnectorError, secretValues } from '@junction/connector-kit';
import { redactorOf } from '../secrets/redactor-of.js';
import type { PluginExecutor } from './plugin-executor.js';

/**
 * An executor whose answers hold none of the connection's secrets: plugin output (but a webhook's
 * events, which are its sender's) and errors are redacted (every form a secret takes) before
 * anything of Junction stores, logs or answers them.
 * Wraps whichever executor runs the plugin (in this process today, elsewhere later).
 *
 * @example
 * ```ts
 * const executor = createRedactingExecutor(createInProcessExecutor({ egress }));
 * ```
 */
export function createRedactingExecutor(inner: PluginExecutor): PluginExecutor {
  return {
    async execute(request) {
      const result = await inner.execute(request);
      // A webhook's events are what its sender posted, not a target's answer: kept as they are.
      if (result.ok && request.operation.kind === 'webhook') return result;
      const secrets = secretValues(request.connector.definition.auth, request.credentials);
      if (secrets.length === 0) return result;
      const redactor = redactorOf(secrets);
      if (result.ok) return { ok: true, output: redactor.value(result.output) };
      return { ok: false, error: redactor.error(result.error) as ConnectorError };
    },
  };
}
