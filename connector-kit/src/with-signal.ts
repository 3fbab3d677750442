import type { HttpCallOptions, HttpClient, HttpRequest } from './http-client.js';
import { paginate } from './paginate.js';
import type { RunContext } from './run-context.js';

/**
 * `ctx` with another abort signal: `ctx.signal` is `signal`, and every request of `ctx.http` is
 * cancelled by it too (a timeout that only replaced `ctx.signal` would leave the HTTP client,
 * made with the first signal, running). Its other properties are copied as they are defined, so
 * that the ones made on first use (`http`, `logger`) stay so.
 *
 * @example
 * ```ts
 * const bounded = withSignal(ctx, AbortSignal.any([ctx.signal, AbortSignal.timeout(60_000)]));
 * ```
 */
export function withSignal(ctx: RunContext, signal: AbortSignal): RunContext {
  let http: HttpClient | undefined;
  return Object.defineProperties(
    {},
    {
      ...Object.getOwnPropertyDescriptors(ctx),
      signal: { value: signal, enumerable: true, configurable: true },
      http: {
        get: () => {
          http ??= httpWithSignal(ctx.http, signal);
          return http;
        },
        enumerable: true,
        configurable: true,
      },
    },
  ) as RunContext;
}

/** `client` with every request also cancelled by `signal`. */
function httpWithSignal(client: HttpClient, signal: AbortSignal): HttpClient {
  const withIt = <R extends HttpCallOptions>(req: R | undefined): R =>
    ({ ...req, signal: req?.signal ? AbortSignal.any([req.signal, signal]) : signal }) as R;
  const bound: HttpClient = {
    request: (req) => client.request(withIt<HttpRequest>(req)),
    json: (req) => client.json(withIt<HttpRequest>(req)),
    get: (path, o) => client.get(path, withIt(o)),
    post: (path, body, o) => client.post(path, body, withIt(o)),
    put: (path, body, o) => client.put(path, body, withIt(o)),
    patch: (path, body, o) => client.patch(path, body, withIt(o)),
    delete: (path, o) => client.delete(path, withIt(o)),
    paginate: (first, next, o) => paginate(bound, first, next, o),
  };
  return bound;
}
