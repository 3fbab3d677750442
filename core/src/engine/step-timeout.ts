import {
  STEP_TIMEOUT_DEFAULT_MS,
  STEP_TIMEOUT_MAX_MS,
} from '../integrations/integration-definition.js';

/**
 * How long one action step may run: the step's own `timeoutMs` when the integration sets one;
 * else the action's own timeout for this input (`own`, what its `timeoutMs(input)` answered) when
 * it is longer than the default (an HTTP request given a 2-minute timeout is not cut at 30 s);
 * else the default. Never more than STEP_TIMEOUT_MAX_MS.
 */
export function stepTimeoutMs(
  step: { readonly timeoutMs: number | undefined },
  own: unknown,
  defaultMs = STEP_TIMEOUT_DEFAULT_MS,
): number {
  if (step.timeoutMs !== undefined) return Math.min(step.timeoutMs, STEP_TIMEOUT_MAX_MS);
  const ms = typeof own === 'number' && Number.isFinite(own) && own > defaultMs ? own : defaultMs;
  return Math.min(Math.ceil(ms), STEP_TIMEOUT_MAX_MS);
}
