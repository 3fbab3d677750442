import {
  type ConnectorDefinition,
  ConnectorError,
  connectorErrorFromJSON,
  createMemoryState,
  EgressRefusedError,
  type EgressRules,
  InvalidInputError,
  type LogEntry,
  RetryableError,
  type StateStore,
  secretValues,
} from '@junction/connector-kit';
import { describeOperation } from '../executor/call-operation.js';
import type { ExecuteRequest, ExecuteResult } from '../executor/plugin-executor.js';
import { redactorOf } from '../secrets/redactor-of.js';
import type { ErrorJson, FromHost } from './host-protocol.js';
import { loadInHost } from './load-in-host.js';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type HostProcess,
  type HostSpec,
  startHostProcess,
} from './start-host-process.js';

/** Options of {@link createHostPool}. */
export interface HostPoolOptions {
  /** Hosts per plugin version (`JUNCTION_PLUGIN_HOSTS`). */
  readonly size: number;
  /** Each host's memory ceiling in MiB: heap and resident size. */
  readonly memoryMb: number;
  /** The egress rules hosts run under (read at each call: they grow as Junction starts). */
  readonly egress: () => EgressRules;
  /** How long a host that missed a call's deadline has to answer a ping before it is stopped. */
  readonly graceMs?: number;
  /** How often resident sizes are checked (default 1 s). */
  readonly watchMs?: number;
  /** How long a host may serve no call before it is stopped (0 or absent: never). */
  readonly idleMs?: number;
  /** The largest message a host may send (default 16 MiB): a larger answer fails its call. */
  readonly maxMessageBytes?: number;
  /** Told when a host is stopped or exits on its own (`idle` when it was stopped for idling). */
  readonly onHostExit?: (label: string, how: string, idle: boolean) => void;
}

/** Pools of plugin hosts, one per plugin version, started on first use. */
export interface HostPool {
  /** Runs one call in a host of `spec`'s plugin version. Never throws. */
  execute(spec: HostSpec, request: ExecuteRequest): Promise<ExecuteResult>;
  /** Loads a plugin in a one-off host (install, validation, catalogue). */
  load(spec: HostSpec, timeoutMs?: number): Promise<ConnectorDefinition>;
  /** Live hosts, per plugin version label. */
  stats(): Record<string, { readonly hosts: number; readonly inFlight: number }>;
  /**
   * Stops the hosts of versions `keep` rejects (removed, disabled, trusted or re-installed
   * plugins); their calls in flight fail as retryable.
   */
  retain(keep: (spec: HostSpec) => boolean): void;
  close(): Promise<void>;
}

interface Pending {
  readonly request: ExecuteRequest;
  readonly state: StateStore;
  finish(result: ExecuteResult): void;
}

interface Host {
  readonly process: HostProcess;
  readonly ready: Promise<void>;
  readonly calls: Map<number, Pending>;
  rulesSent: string;
  pinging: boolean;
  readonly pongs: Map<number, () => void>;
  stopReason?: string;
  /** When it last started or finished a call (ms since the epoch). */
  lastActive: number;
  idleStop?: boolean;
}

interface Group {
  readonly spec: HostSpec;
  hosts: Host[];
}

/** The error of a call whose answer was over the limit: not retried, the answer is dropped. */
export class AnswerTooLargeError extends ConnectorError {
  constructor(message: string) {
    super(message, { kind: 'unknown' });
    this.name = 'AnswerTooLargeError';
  }
  /** The same call would answer as much again. */
  override get retryable(): boolean {
    return false;
  }
}

export const keyOf = (spec: Pick<HostSpec, 'label' | 'dir' | 'importTag'>) =>
  `${spec.label}\u0000${spec.dir}\u0000${spec.importTag ?? ''}`;

/**
 * Creates the pools of plugin hosts. A call goes to the least busy host of its plugin version
 * (a new one is started while fewer than `size` run and all are busy). The engine enforces each
 * call's timeout: a late call fails as retryable and its host must answer a ping within
 * `graceMs`, else it is stopped (a busy loop, a hang). A host that exits, crashes or goes over
 * its memory ceiling fails only its own calls in flight, as retryable; the next call starts a
 * new one.
 */
export function createHostPool(options: HostPoolOptions): HostPool {
  const groups = new Map<string, Group>();
  const graceMs = options.graceMs ?? 5000;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let nextId = 1;
  let closed = false;

  const start = (group: Group): Host => {
    const { spec } = group;
    const rules = options.egress();
    const child = startHostProcess(spec, 'serve', rules, maxMessageBytes);
    let readyDone: () => void = () => {};
    let readyFail: (error: ConnectorError) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      readyDone = resolve;
      readyFail = reject;
    });
    ready.catch(() => {});
    const host: Host = {
      process: child,
      ready,
      calls: new Map(),
      rulesSent: JSON.stringify(rules),
      pinging: false,
      pongs: new Map(),
      lastActive: Date.now(),
    };
    child.onMessage((message: FromHost) => {
      switch (message.type) {
        case 'ready':
          return readyDone();
        case 'load-failed':
          readyFail(
            new RetryableError(
              `${spec.label} failed to load in its plugin host: ${message.message}`,
            ),
          );
          return child.kill();
        case 'result': {
          const pending = host.calls.get(message.id);
          if (!pending) return;
          pending.finish(
            message.ok
              ? { ok: true, output: message.output }
              : { ok: false, error: errorFromJson(message.error) },
          );
          return;
        }
        case 'log': {
          const pending = host.calls.get(message.call);
          if (!pending?.request.log) return;
          // Redacted here too: a host may send anything, not only what the kit's logger made.
          const { request } = pending;
          const secrets = secretValues(request.connector.definition.auth, request.credentials);
          const entry = secrets.length ? redactorOf(secrets).value(message.entry) : message.entry;
          request.log?.(entry as LogEntry);
          return;
        }
        case 'state': {
          const pending = host.calls.get(message.call);
          const answer = (ok: boolean, value?: unknown, text?: string) => {
            const result = { type: 'state-result', request: message.request } as const;
            try {
              child.send({ ...result, ok, ...(ok ? { value } : { message: text ?? 'failed' }) });
            } catch (error) {
              child.send({ ...result, ok: false, message: (error as Error).message });
            }
          };
          if (!pending) return answer(false, undefined, 'the call is over');
          const { state } = pending;
          const op =
            message.op === 'get'
              ? state.get(message.key)
              : message.op === 'set'
                ? state.set(message.key, message.value)
                : state.delete(message.key);
          op.then(
            (value) => answer(true, message.op === 'get' ? value : undefined),
            (error: Error) => answer(false, undefined, error.message),
          );
          return;
        }
        case 'oversized': {
          const pending = host.calls.get(message.call);
          pending?.finish({
            ok: false,
            error: new AnswerTooLargeError(
              `${spec.label}: ${describeOperation(pending.request.operation)} sent a message of ${message.bytes} bytes, over the ${maxMessageBytes} a plugin host may send (JUNCTION_PLUGIN_HOST_MAX_MESSAGE_BYTES); it was dropped and the call fails without a retry.`,
            ),
          });
          return;
        }
        case 'pong':
          host.pongs.get(message.id)?.();
          host.pongs.delete(message.id);
          return;
        default:
          return;
      }
    });
    child.onExit((how) => {
      const reason = host.stopReason ?? how;
      readyFail(
        new RetryableError(`${spec.label}: its plugin host ${reason} before it was ready.`),
      );
      group.hosts = group.hosts.filter((h) => h !== host);
      for (const pending of [...host.calls.values()]) {
        pending.finish({
          ok: false,
          error: new RetryableError(
            `${spec.label}: its plugin host ${reason} during ${describeOperation(pending.request.operation)}; the call may be retried.`,
          ),
        });
      }
      options.onHostExit?.(spec.label, reason, host.idleStop === true);
    });
    group.hosts.push(host);
    return host;
  };

  /** A host that missed a deadline must still answer; one that does not is stopped. */
  const checkAlive = (host: Host) => {
    if (host.pinging || host.process.exited) return;
    host.pinging = true;
    const id = nextId++;
    const timer = setTimeout(() => {
      host.stopReason = `was stopped: it did not answer within ${graceMs} ms after a call's deadline`;
      host.process.kill();
    }, graceMs);
    host.pongs.set(id, () => {
      clearTimeout(timer);
      host.pinging = false;
    });
    if (!host.process.send({ type: 'ping', id })) clearTimeout(timer);
  };

  const pick = (spec: HostSpec): Host => {
    const key = keyOf(spec);
    let group = groups.get(key);
    if (!group) {
      group = { spec, hosts: [] };
      groups.set(key, group);
    }
    const live = group.hosts.filter((h) => !h.process.exited);
    const idlest = live.reduce<Host | undefined>(
      (best, h) => (best === undefined || h.calls.size < best.calls.size ? h : best),
      undefined,
    );
    if (idlest && (idlest.calls.size === 0 || live.length >= options.size)) return idlest;
    return start(group);
  };

  const watchdog = setInterval(() => {
    const now = Date.now();
    for (const group of groups.values()) {
      for (const host of group.hosts) {
        if (
          options.idleMs &&
          host.calls.size === 0 &&
          !host.pinging &&
          now - host.lastActive >= options.idleMs
        ) {
          host.idleStop = true;
          host.stopReason = `was stopped: it served no call for ${options.idleMs} ms`;
          host.process.kill();
          continue;
        }
        void host.process.rssMb().then((rss) => {
          if (rss !== undefined && rss > options.memoryMb) {
            host.stopReason = `was stopped: it used ${Math.round(rss)} MiB, over its ceiling of ${options.memoryMb} MiB`;
            host.process.kill();
          }
        });
      }
    }
  }, options.watchMs ?? 1000);
  watchdog.unref();

  return {
    execute(spec, request) {
      if (closed) {
        return Promise.resolve({ ok: false, error: new RetryableError('Junction is stopping.') });
      }
      const host = pick(spec);
      const what = describeOperation(request.operation);
      return new Promise<ExecuteResult>((resolve) => {
        const id = nextId++;
        let settled = false;
        const onAbort = () =>
          host.process.send({ type: 'abort', id, message: `${what} was cancelled` });
        const finish = (result: ExecuteResult) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          request.signal?.removeEventListener('abort', onAbort);
          host.calls.delete(id);
          host.lastActive = Date.now();
          resolve(result);
        };
        const timer = setTimeout(() => {
          const message = `${spec.label}: ${what} did not finish within ${request.timeoutMs} ms.`;
          finish({ ok: false, error: new RetryableError(message) });
          host.process.send({ type: 'abort', id, message });
          checkAlive(host);
        }, request.timeoutMs);
        request.signal?.addEventListener('abort', onAbort, { once: true });
        host.calls.set(id, { request, state: request.state ?? createMemoryState(), finish });
        host.lastActive = Date.now();
        host.ready.then(
          () => {
            if (settled) return;
            const rules = JSON.stringify(options.egress());
            const changed = rules !== host.rulesSent;
            host.rulesSent = rules;
            let sent: boolean;
            try {
              sent = host.process.send({
                type: 'call',
                id,
                operation: request.operation,
                credentials: request.credentials,
                connection: request.connection,
                idempotencyKey: request.idempotencyKey,
                ...(request.settings ? { settings: request.settings } : {}),
                ...(request.resumeUrl ? { resumeUrl: request.resumeUrl } : {}),
                ...(changed ? { egress: options.egress() } : {}),
              });
            } catch (error) {
              const reason = (error as Error).message;
              return finish({
                ok: false,
                error: new InvalidInputError(
                  `${spec.label}: ${what} could not be sent to its plugin host (${reason}): its input is nested too deep or holds a value structured clone cannot carry.`,
                ),
              });
            }
            if (!sent) {
              finish({
                ok: false,
                error: new RetryableError(
                  `${spec.label}: its plugin host is gone; the call may be retried.`,
                ),
              });
            }
          },
          (error: ConnectorError) => finish({ ok: false, error }),
        );
      });
    },
    load(spec, timeoutMs = 30_000) {
      return loadInHost(spec, options.egress(), timeoutMs, maxMessageBytes);
    },
    stats() {
      const out: Record<string, { hosts: number; inFlight: number }> = {};
      for (const group of groups.values()) {
        const live = group.hosts.filter((h) => !h.process.exited);
        out[group.spec.label] = {
          hosts: live.length,
          inFlight: live.reduce((n, h) => n + h.calls.size, 0),
        };
      }
      return out;
    },
    retain(keep) {
      for (const [key, group] of groups) {
        if (keep(group.spec)) continue;
        groups.delete(key);
        for (const host of group.hosts) {
          host.stopReason = 'was stopped: its plugin version was removed';
          host.process.kill();
        }
      }
    },
    async close() {
      closed = true;
      clearInterval(watchdog);
      const all = [...groups.values()].flatMap((g) => g.hosts);
      groups.clear();
      await Promise.all(
        all.map(
          (host) =>
            new Promise<void>((resolve) => {
              if (host.process.exited) return resolve();
              host.stopReason = 'was stopped: Junction is stopping';
              host.process.onExit(() => resolve());
              host.process.kill();
            }),
        ),
      );
    },
  };
}

/** A connector error from the host's JSON form, with its typed fields. */
function errorFromJson(json: ErrorJson | undefined): ConnectorError {
  if (json?.rule !== undefined) {
    const error = new EgressRefusedError({ rule: json.rule, reason: '' });
    Object.defineProperty(error, 'message', { value: json.message });
    return error;
  }
  return connectorErrorFromJSON(json);
}
