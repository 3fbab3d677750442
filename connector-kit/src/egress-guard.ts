import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import net from 'node:net';
import { Agent, buildConnector, type Dispatcher, fetch as undiciFetch } from 'undici';
import {
  createEgressCheck,
  type EgressRefusal,
  type EgressRules,
  type EgressTarget,
  normaliseAddress,
} from './egress-rules.js';
import { EgressRefusedError } from './errors.js';

/**
 * Resolves a host name to every address, like `dns.lookup(host, { all: true })`.
 *
 * @example
 * ```ts
 * const resolve: EgressResolver = (host) => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
 * ```
 */
/**
 * What a driver knows of a connection beyond its address: a PostgreSQL connection to Junction's
 * own server passes only when it opens another database than Junction's.
 *
 * @example
 * ```ts
 * ctx.egress.socket({ postgresDatabase: 'erp' });
 * ```
 */
export type ConnectionAbout = Pick<EgressTarget, 'postgresDatabase'>;

export type EgressResolver = (host: string) => Promise<readonly LookupAddress[]>;

/**
 * Checks connections against {@link EgressRules} where they are made: on the address actually
 * connected to, after the guard itself resolved the name, so a name that resolves to another
 * address a moment later (DNS rebinding) gains nothing. Each redirect is a new connection, checked
 * the same way.
 *
 * @example
 * ```ts
 * const guard = createEgressGuard({ deny: ['10.9.0.0/16'] });
 * const res = await guard.fetch('http://erp.internal/api');     // fetch through the guard
 * new pg.Client({ ...config, stream: () => guard.socket() });    // a driver's socket through it
 * ```
 */
export interface EgressGuard {
  /** The rules, as data (what a plugin host process is given). */
  readonly rules: EgressRules;
  /** Why `target` is refused, or `undefined`. */
  check(target: EgressTarget): EgressRefusal | undefined;
  /**
   * A `net` lookup function for connections to `port`: resolves, then refuses a bad address.
   * `about` adds what the caller knows of the connection (the PostgreSQL database it opens).
   */
  lookupFor(port: number, about?: ConnectionAbout): net.LookupFunction;
  /**
   * A TCP socket not yet connected whose `connect()` goes through the guard (node-postgres'
   * `stream` option; for mysql2, connect it yourself: `guard.socket().connect(port, host)`).
   */
  socket(about?: ConnectionAbout): net.Socket;
  /** An undici dispatcher whose every connection goes through the guard. */
  readonly dispatcher: Dispatcher;
  /** `fetch` through {@link EgressGuard.dispatcher}. */
  readonly fetch: typeof fetch;
}

const systemResolver: EgressResolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/**
 * Creates an {@link EgressGuard} for `rules` (Junction passes them in the run context as
 * `ctx.egress`; plugin code uses `ctx.http`, which already goes through it).
 *
 * @example
 * ```ts
 * const guard = createEgressGuard({ own: [{ label: 'API', port: 3000 }] });
 * await guard.fetch('http://127.0.0.1:3000/metrics'); // throws EgressRefusedError (rule junction-api)
 * ```
 */
export function createEgressGuard(
  rules: EgressRules,
  options: { readonly resolve?: EgressResolver } = {},
): EgressGuard {
  const check = createEgressCheck(rules);
  const resolve = options.resolve ?? systemResolver;
  const refuse = (target: EgressTarget) => {
    const refusal = check(target);
    if (refusal !== undefined) throw new EgressRefusedError(refusal);
  };

  function lookupFor(port: number, about: ConnectionAbout = {}): net.LookupFunction {
    const lookup: net.LookupFunction = (hostname, lookupOptions, callback) => {
      const done = callback as (
        error: Error | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void;
      const literal = normaliseAddress(hostname);
      const found =
        literal === undefined
          ? Promise.resolve()
              .then(() => refuse({ ...about, host: hostname, port }))
              .then(() => resolve(hostname))
          : Promise.resolve([{ address: literal, family: literal.includes(':') ? 6 : 4 }]);
      found
        .then((addresses) => {
          const host = literal === undefined ? hostname : undefined;
          for (const { address } of addresses) refuse({ ...about, host, address, port });
          const wanted = addresses.filter(
            (a) => !lookupOptions.family || a.family === lookupOptions.family,
          );
          if (wanted.length === 0) throw new Error(`${hostname} has no address of that family`);
          if (lookupOptions.all) done(null, wanted);
          else done(null, wanted[0]?.address ?? '', wanted[0]?.family);
        })
        .catch((error: Error) => done(error, ''));
    };
    guardLookups.add(lookup);
    return lookup;
  }

  function socket(about: ConnectionAbout = {}): net.Socket {
    const created = new net.Socket();
    guardedSockets.add(created);
    const connect = created.connect;
    const guardedConnect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
      const guarded = guardArguments({ check, lookupFor }, args, about);
      if (guarded instanceof EgressRefusedError) {
        process.nextTick(() => this.destroy(guarded));
        return this;
      }
      return (connect as (...a: unknown[]) => net.Socket).apply(this, guarded);
    } as net.Socket['connect'];
    // Defined, not assigned: a plugin host freezes the prototype's connect.
    Object.defineProperty(created, 'connect', {
      value: guardedConnect,
      writable: true,
      configurable: true,
    });
    return created;
  }

  const connectors = new Map<number, buildConnector.connector>();
  const dispatcher = new Agent({
    connect(connectOptions, callback) {
      const port = Number(connectOptions.port) || (connectOptions.protocol === 'https:' ? 443 : 80);
      const host = connectOptions.hostname.replace(/^\[|\]$/g, '');
      const literal = normaliseAddress(host);
      if (literal !== undefined) {
        const refusal = check({ address: literal, port });
        if (refusal !== undefined) return callback(new EgressRefusedError(refusal), null);
      }
      let connector = connectors.get(port);
      if (connector === undefined) {
        connector = buildConnector({ lookup: lookupFor(port) } as buildConnector.BuildOptions);
        connectors.set(port, connector);
      }
      return connector(connectOptions, callback);
    },
  });
  const guardedFetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as typeof fetch;

  return {
    rules,
    check,
    lookupFor,
    socket,
    dispatcher,
    fetch: guardedFetch,
  };
}

const shared = new WeakMap<EgressRules, EgressGuard>();

/**
 * The one guard of a rules object (its connection pool is shared by every run context made with
 * the same rules, as the global `fetch` shares its own).
 *
 * @example
 * ```ts
 * guardOf(rules) === guardOf(rules); // true
 * ```
 */
export function guardOf(rules: EgressRules): EgressGuard {
  let guard = shared.get(rules);
  if (guard === undefined) {
    guard = createEgressGuard(rules);
    shared.set(rules, guard);
  }
  return guard;
}

/**
 * Routes every TCP connection of this process through `guard` (`net`, `tls`, `http`, `https`,
 * undici and the global `fetch` all connect through `net.Socket#connect`). For a process that runs
 * only plugin code (a plugin host): Junction's own process must not call it, since its own
 * database is among the refused destinations. Returns a function that undoes it.
 *
 * @example
 * ```ts
 * const uninstall = installEgressGuard(createEgressGuard(rulesFromParent));
 * ```
 */
export function installEgressGuard(guard: EgressGuard): () => void {
  const prototype = net.Socket.prototype;
  const original = prototype.connect;
  prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    // A guard's own socket was checked by it, with what its driver said of the connection.
    if (guardedSockets.has(this))
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    const guarded = guardArguments(guard, args);
    if (guarded instanceof EgressRefusedError) {
      process.nextTick(() => this.destroy(guarded));
      return this;
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, guarded);
  } as net.Socket['connect'];
  return () => {
    prototype.connect = original;
  };
}

/** Sockets made by a guard's `socket()`: checked there, not again by an installed guard. */
const guardedSockets = new WeakSet<net.Socket>();

/** Lookups made by guards: a connection that already carries one is not wrapped again. */
const guardLookups = new WeakSet<object>();

/**
 * `net.Socket#connect` arguments that go through `guard` (an address checked as it is, a name
 * through the guard's lookup), or the refusal to fail the socket with.
 */
function guardArguments(
  guard: Pick<EgressGuard, 'check' | 'lookupFor'>,
  args: unknown[],
  about: ConnectionAbout = {},
): unknown[] | EgressRefusedError {
  // net.connect() passes its arguments already normalised, as one array.
  const [options, callback] = (
    Array.isArray(args[0])
      ? args[0]
      : (
          net as unknown as { _normalizeArgs(a: unknown[]): [Record<string, unknown>, unknown] }
        )._normalizeArgs(args)
  ) as [Record<string, unknown>, unknown];
  // http's agent passes `path: null` for TCP; only a string is a local socket.
  if (options.path !== undefined && options.path !== null) {
    return new EgressRefusedError({
      rule: 'unix-socket',
      reason: `a local socket (${String(options.path)}) is never reached by plugin code; use TCP`,
    });
  }
  if (typeof options.lookup === 'function' && guardLookups.has(options.lookup)) {
    return [options, callback];
  }
  const host = String(options.host ?? 'localhost');
  const port = Number(options.port);
  // An address given as such skips net's lookup: check it here, in its canonical form.
  const literal = normaliseAddress(host);
  if (literal !== undefined) {
    const refusal = guard.check({ ...about, address: literal, port });
    if (refusal !== undefined) return new EgressRefusedError(refusal);
    return [{ ...options, host: literal }, callback];
  }
  return [{ ...options, lookup: guard.lookupFor(port, about) }, callback];
}
