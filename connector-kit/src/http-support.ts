import { RetryableError } from './errors.js';

/** Waits `ms`, rejecting early with the signal's reason when it aborts. */
export function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The error for a request the caller's signal cancelled. */
export function cancelled(
  method: string,
  url: URL,
  signal: AbortSignal | undefined,
): RetryableError {
  const reason = signal?.reason instanceof Error ? signal.reason.message : String(signal?.reason);
  return new RetryableError(`${method} ${url.pathname} was cancelled: ${reason}`, {
    cause: signal?.reason,
  });
}

/**
 * Parses a response body as JSON, or returns its text when it is not JSON, or `undefined`.
 *
 * @example
 * ```ts
 * const body = await readBody(await ctx.http.request({ path: '/export' }));
 * ```
 */
export async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
