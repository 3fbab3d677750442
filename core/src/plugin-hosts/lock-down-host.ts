import dgram from 'node:dgram';
import dns, { type LookupAddress } from 'node:dns';
import inspector from 'node:inspector';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import {
  createEgressGuard,
  type EgressGuard,
  EgressRefusedError,
  type EgressRules,
  installEgressGuard,
  normaliseAddress,
} from '@junction/connector-kit';

/** The egress rules a host runs under; `set` takes the engine's newer rules. */
export interface HostEgress {
  readonly guard: EgressGuard;
  set(rules: EgressRules): void;
  readonly rules: EgressRules;
}

const notInHost = (what: string) =>
  new EgressRefusedError({
    rule: 'plugin-host',
    reason: `${what} is not available to plugin code (connect by name: the egress guard resolves it)`,
  });

/**
 * Closes every way out of a plugin host before plugin code loads, and freezes what it patched so
 * plugin code cannot undo it: every TCP connection (net, tls, http, https, undici, fetch) goes
 * through the egress guard; UDP sends go through it too; `dns.lookup` answers only names and
 * addresses the rules allow, and raw DNS queries (`resolve*`, `setServers`, `Resolver`) are
 * refused; listening, the inspector and signals to other processes are refused. The permission
 * model (flags given by the engine) already refuses files, child processes, workers and addons.
 */
export function lockDownHost(initial: EgressRules): HostEgress {
  const originalLookup = dns.lookup;
  const resolve = (host: string) =>
    new Promise<readonly LookupAddress[]>((done, fail) =>
      originalLookup(host, { all: true }, (error, addresses) =>
        error ? fail(error) : done(addresses),
      ),
    );
  let current = createEgressGuard(initial, { resolve });
  // The process-wide guard asks whichever rules are current.
  const delegate = {
    check: (target) => current.check(target),
    lookupFor: (port, about) => current.lookupFor(port, about),
  } as Pick<EgressGuard, 'check' | 'lookupFor'> as EgressGuard;
  installEgressGuard(delegate);
  freeze(net.Socket.prototype, 'connect');
  freeze(net.Socket, 'prototype');

  const refuse = (what: string) => () => {
    throw notInHost(what);
  };
  // Names resolve only through the guard's own check; raw DNS queries are refused.
  const lookup = ((host: string, options: unknown, callback?: unknown) => {
    const done = (typeof options === 'function' ? options : callback) as (
      error: Error | null,
      address?: unknown,
      family?: number,
    ) => void;
    const opts = (typeof options === 'object' && options !== null ? options : {}) as {
      all?: boolean;
      family?: number;
    };
    const fn = delegate.lookupFor(0);
    fn(
      host,
      { ...opts, all: true } as never,
      ((error: Error | null, list: LookupAddress[]) => {
        if (error) return done(error);
        const wanted = list.filter((a) => !opts.family || a.family === opts.family);
        if (opts.all) done(null, wanted);
        else done(null, wanted[0]?.address, wanted[0]?.family);
      }) as never,
    );
  }) as typeof dns.lookup;
  const promiseLookup = (host: string, options: unknown = {}) =>
    new Promise((done, fail) =>
      lookup(
        host,
        options as never,
        ((error: Error | null, address: unknown, family: number) =>
          error
            ? fail(error)
            : done(Array.isArray(address) ? address : { address, family })) as never,
      ),
    );
  const dnsRefusals = [
    'resolve',
    'resolve4',
    'resolve6',
    'resolveAny',
    'resolveCaa',
    'resolveCname',
    'resolveMx',
    'resolveNaptr',
    'resolveNs',
    'resolvePtr',
    'resolveSoa',
    'resolveSrv',
    'resolveTxt',
    'reverse',
    'lookupService',
    'setServers',
  ];
  for (const target of [dns, dns.promises]) {
    for (const name of dnsRefusals) {
      if (name in target) replace(target, name, refuse(`dns.${name}`));
    }
  }
  replace(dns, 'lookup', lookup);
  replace(dns.promises, 'lookup', promiseLookup);
  for (const Resolver of [dns.Resolver, dns.promises.Resolver]) {
    for (const name of dnsRefusals) {
      if (name in Resolver.prototype)
        replace(Resolver.prototype, name, refuse(`dns.Resolver#${name}`));
    }
  }

  // UDP: each destination through the guard (a connected socket was checked at connect).
  const checkedAddress = async (address: string | undefined, port: number, ipv6: boolean) => {
    const host = address ?? (ipv6 ? '::1' : '127.0.0.1');
    const literal = normaliseAddress(host);
    const addresses =
      literal === undefined ? (await resolve(host)).map((a) => a.address) : [literal];
    for (const a of addresses) {
      const refusal = current.check({
        ...(literal === undefined ? { host } : {}),
        address: a,
        port,
      });
      if (refusal) throw new EgressRefusedError(refusal);
    }
    return addresses[0] as string;
  };
  const socketProto = dgram.Socket.prototype as unknown as Record<string, unknown>;
  const send = socketProto.send as (...a: unknown[]) => void;
  const connect = socketProto.connect as (...a: unknown[]) => void;
  replace(
    socketProto,
    'send',
    function guardedSend(this: dgram.Socket, msg: unknown, ...rest: unknown[]) {
      const withRange = typeof rest[2] === 'number';
      const [port, address, callback] = (withRange ? rest.slice(2) : rest) as [
        unknown,
        unknown,
        unknown,
      ];
      if (typeof port !== 'number') return send.call(this, msg, ...rest);
      const cb = (typeof address === 'function' ? address : callback) as
        | ((e: Error | null) => void)
        | undefined;
      const host = typeof address === 'string' ? address : undefined;
      checkedAddress(host, port, (this as unknown as { type: string }).type === 'udp6').then(
        (literal) =>
          send.call(this, msg, ...(withRange ? rest.slice(0, 2) : []), port, literal, cb),
        (error: Error) => (cb ? cb(error) : this.emit('error', error)),
      );
    },
  );
  replace(
    socketProto,
    'connect',
    function guardedConnect(this: dgram.Socket, port: number, ...rest: unknown[]) {
      const host = typeof rest[0] === 'string' ? rest[0] : undefined;
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      checkedAddress(host, port, (this as unknown as { type: string }).type === 'udp6').then(
        (literal) => connect.call(this, port, literal, cb),
        (error: Error) => this.emit('error', error),
      );
    },
  );

  replace(net.Server.prototype, 'listen', refuse('listening for connections'));
  replace(inspector, 'open', refuse('the inspector'));
  const kill = process.kill.bind(process);
  replace(process, 'kill', (pid: number, signal?: string | number) => {
    if (pid !== process.pid) throw notInHost('signalling another process');
    return kill(pid, signal);
  });
  replace(process, '_debugProcess', refuse('signalling another process'));
  // `import { lookup } from 'node:dns'` sees the guarded functions too.
  syncBuiltinESMExports();

  return {
    get guard() {
      return current;
    },
    get rules() {
      return current.rules;
    },
    set(rules) {
      current = createEgressGuard(rules, { resolve });
    },
  };
}

/** Sets `target[name]` for good: plugin code can neither reassign nor redefine it. */
function replace(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, {
    value,
    writable: false,
    configurable: false,
    enumerable: true,
  });
}

function freeze(target: object, name: string): void {
  const descriptor = Object.getOwnPropertyDescriptor(target, name);
  if (!descriptor) return;
  Object.defineProperty(target, name, { ...descriptor, writable: false, configurable: false });
}
