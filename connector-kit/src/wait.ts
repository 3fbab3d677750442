import type { JsonValue } from './field.js';

/**
 * What a parked step does when its deadline passes: `fail` the run (dead, replayable), `retry` the
 * step (a new attempt under the integration's retry policy, which calls the action again), or
 * `continue` with a given output, as if it had arrived.
 *
 * @example
 * ```ts
 * const onTimeout: WaitTimeout = { continueWith: { status: 'unknown' } };
 * ```
 */
export type WaitTimeout = 'fail' | 'retry' | { readonly continueWith: Record<string, JsonValue> };

/**
 * Options of `ctx.wait(...)`: how the step's result will arrive, and until when.
 *
 * @example
 * ```ts
 * return ctx.wait({ callback: true, deadlineSeconds: 600, onTimeout: 'retry' });
 * return ctx.wait({ poll: { everySeconds: 30, state: { jobId } }, deadlineSeconds: 3600 });
 * ```
 */
export interface WaitOptions {
  /**
   * The result arrives as a POST of JSON to `ctx.resumeUrl` (a signed, single-use URL): its body
   * becomes the step's output, checked against the action's `output` fields first.
   */
  readonly callback?: boolean;
  /**
   * The platform calls the action's `poll(ctx, state)` every `everySeconds` (1 to 86,400) until it
   * answers `{ done: true, output }`; `state` is what the action needs to ask (a job id...).
   */
  readonly poll?: { readonly everySeconds: number; readonly state?: JsonValue };
  /** How long the run may wait, in seconds (1 to 30 days); default 3,600. */
  readonly deadlineSeconds?: number;
  /** What happens at the deadline; default `fail`. */
  readonly onTimeout?: WaitTimeout;
}

/**
 * What an action returns instead of its output to park its run: made by `ctx.wait(...)`. Plain
 * JSON, so that it crosses a process boundary.
 *
 * @example
 * ```ts
 * if (isWaitRequest(result)) console.log(result.deadlineSeconds);
 * ```
 */
export interface WaitRequest {
  readonly $junctionWait: 1;
  readonly callback: boolean;
  readonly poll: { readonly everySeconds: number; readonly state: JsonValue } | null;
  readonly deadlineSeconds: number;
  readonly onTimeout: WaitTimeout;
}

/**
 * The answer of an action's `poll`: done with the step's output, or not yet (with the state to
 * poll with next time, when it changed).
 *
 * @example
 * ```ts
 * return job.finished ? { done: true, output: { id: job.resultId } } : { done: false };
 * ```
 */
export type PollOutcome<O = Record<string, unknown>> =
  | { readonly done: true; readonly output: O }
  | { readonly done: false; readonly state?: JsonValue };

const MAX_DEADLINE_SECONDS = 30 * 86_400;

/**
 * Builds a {@link WaitRequest}, checking the options (a plugin bug fails its step with a clear
 * message). The platform's `ctx.wait` calls this; `resumeUrl` must be known for a callback.
 *
 * @example
 * ```ts
 * const request = createWaitRequest({ callback: true, deadlineSeconds: 60 }, true);
 * ```
 */
export function createWaitRequest(options: WaitOptions, canCallBack: boolean): WaitRequest {
  const problems: string[] = [];
  const callback = options.callback === true;
  if (!callback && options.poll === undefined)
    problems.push('give callback: true, a poll schedule, or both');
  if (callback && !canCallBack)
    problems.push('this context has no resume URL (only actions run by the platform can wait)');
  const every = options.poll?.everySeconds;
  if (every !== undefined && !(Number.isFinite(every) && every >= 1 && every <= 86_400))
    problems.push('poll.everySeconds must be a number from 1 to 86400');
  const deadlineSeconds = options.deadlineSeconds ?? 3600;
  if (!(Number.isFinite(deadlineSeconds) && deadlineSeconds > 0))
    problems.push('deadlineSeconds must be a positive number');
  if (deadlineSeconds > MAX_DEADLINE_SECONDS)
    problems.push(`deadlineSeconds must be at most ${MAX_DEADLINE_SECONDS} (30 days)`);
  const onTimeout = options.onTimeout ?? 'fail';
  if (
    onTimeout !== 'fail' &&
    onTimeout !== 'retry' &&
    (typeof onTimeout !== 'object' || onTimeout === null || !('continueWith' in onTimeout))
  )
    problems.push("onTimeout must be 'fail', 'retry' or { continueWith: {...} }");
  if (problems.length > 0) throw new Error(`ctx.wait: ${problems.join('; ')}.`);
  return {
    $junctionWait: 1,
    callback,
    poll: options.poll
      ? { everySeconds: options.poll.everySeconds, state: options.poll.state ?? null }
      : null,
    deadlineSeconds,
    onTimeout,
  };
}

/**
 * Whether an action's result is a {@link WaitRequest} (the run parks) rather than its output.
 *
 * @example
 * ```ts
 * const parked = isWaitRequest(await action.run(ctx, input));
 * ```
 */
export function isWaitRequest(value: unknown): value is WaitRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { $junctionWait?: unknown }).$junctionWait === 1
  );
}
