import type { ActionDefinition } from '@junction/connector-kit';
import type { ExecuteRequest, ExecuteResult, PluginExecutor } from '../executor/plugin-executor.js';

/** The least time an isolated hook is given (its host may be starting). */
const HOOK_TIMEOUT_MS = 10_000;

/**
 * Evaluates one of an action's engine-side hooks for one call: `timeoutMs(input)` or
 * `idempotentWhen({ input, credentials })`. For a connector in Junction's process it is called
 * here; for an isolated one it runs in the plugin's host (an `action-hook` call through the
 * executor), so an isolated action is given the same timeout and the same idempotence as it would
 * be in-process. Answers `undefined` as output when the action has no such hook.
 *
 * @example
 * ```ts
 * const own = await evaluateActionHook(executor, request, action, 'timeoutMs', input);
 * ```
 */
export async function evaluateActionHook(
  executor: PluginExecutor,
  request: Omit<ExecuteRequest, 'operation'>,
  action: ActionDefinition,
  hook: 'timeoutMs' | 'idempotentWhen',
  input: Record<string, unknown>,
): Promise<ExecuteResult> {
  if (typeof action[hook] !== 'function') return { ok: true, output: undefined };
  if (!request.connector.isolated) {
    const output =
      hook === 'timeoutMs'
        ? action.timeoutMs?.(input as never)
        : action.idempotentWhen?.({ input: input as never, credentials: request.credentials });
    return { ok: true, output };
  }
  return executor.execute({
    ...request,
    // A hook answers at once; the time given covers starting the plugin's host.
    timeoutMs: Math.max(request.timeoutMs, HOOK_TIMEOUT_MS),
    operation: { kind: 'action-hook', action: action.key, hook, input },
  });
}
