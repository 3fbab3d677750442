import type { Logger } from '../log/create-logger.js';

/**
 * The slow calls this process carries on after their runs parked (actions that declare
 * `detach`), each with the settlement of its step once it answers.
 */
export interface DetachedCalls {
  /** Calls carried on now. */
  readonly inFlight: number;
  /** Given to every call that may detach; aborted when shutdown stops waiting for them. */
  readonly signal: AbortSignal;
  /** Set once shutdown stopped waiting: settlements leave their runs to the deadline then. */
  readonly abandoned: boolean;
  /**
   * Carries `settle` on past its attempt, or answers false (nothing started) when `max` calls are
   * in flight or the process is stopping: the caller awaits the call in its worker slot then.
   */
  adopt(settle: () => Promise<void>): boolean;
  /**
   * Graceful shutdown: takes no more calls and waits for those in flight to settle, for at most
   * `timeoutMs`; then aborts them and leaves their runs to their deadlines.
   */
  drain(timeoutMs: number): Promise<void>;
}

/** Creates the registry of one process's detached calls, `max` at most (0: none detach). */
export function createDetachedCalls(options: { max: number; logger: Logger }): DetachedCalls {
  const { logger } = options;
  const calls = new Set<Promise<void>>();
  const controller = new AbortController();
  let stopping = false;
  let abandoned = false;
  return {
    get inFlight() {
      return calls.size;
    },
    signal: controller.signal,
    get abandoned() {
      return abandoned;
    },
    adopt(settle) {
      if (stopping || calls.size >= options.max) return false;
      const call: Promise<void> = settle()
        .catch((error: unknown) =>
          logger.warn(
            { err: error },
            "a detached call's step could not be settled: its deadline settles it",
          ),
        )
        .finally(() => calls.delete(call));
      calls.add(call);
      return true;
    },
    async drain(timeoutMs) {
      stopping = true;
      if (calls.size === 0) return;
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([
        Promise.allSettled([...calls]).then(() => true),
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (done) return;
      abandoned = true;
      logger.warn(
        { inFlight: calls.size, timeoutMs },
        'shutdown: detached calls still in flight are left to their deadlines',
      );
      controller.abort(new Error('Junction is shutting down'));
    },
  };
}
