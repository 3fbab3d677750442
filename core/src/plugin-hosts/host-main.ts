/**
 * A plugin host: the process in which one plugin version's code runs, started by Junction with
 * `child_process.fork` under Node's permission model (read access to the plugin's folder and the
 * code it loads; no writes, child processes, workers or addons) and a scrubbed environment. It
 * locks down every way out before the plugin loads, then serves the engine's calls over IPC.
 * Nothing here runs at import: `main()` is called by the fork entry below.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import { pathToFileURL } from 'node:url';
import {
  type ConnectorDefinition,
  ConnectorError,
  createRunContext,
  isConnectorDefinition,
  type LogEntry,
  RateLimitedError,
  type StateStore,
  toConnectorError,
  validateConnector,
} from '@junction/connector-kit';
import { callOperation } from '../executor/call-operation.js';
import { describeDefinition } from './definition-descriptor.js';
import { createFrameReader, encodeFrame, FRAME_HEADER_BYTES } from './host-channel.js';
import type { ErrorJson, FromHost, ToHost } from './host-protocol.js';
import { type HostEgress, lockDownHost } from './lock-down-host.js';

type CallMessage = Extract<ToHost, { type: 'call' }>;

/** What Junction may send a host at once (a call's input): generous, yet bounded. */
const MAX_INBOUND_BYTES = 1024 * 1024 * 1024;

/** The channel to Junction (fd 3, a socket pair it made), its limit, and who reads from it. */
let channel: net.Socket | undefined;
let maxMessageBytes = Number.POSITIVE_INFINITY;
let onMessage: (message: ToHost) => void = () => {};

const callOf = (message: FromHost) =>
  message.type === 'result'
    ? message.id
    : message.type === 'log' || message.type === 'state'
      ? message.call
      : 0;

/**
 * Sends Junction one message; one over the limit is replaced by `oversized` (Junction's reader
 * drops a larger frame anyway). Throws for a value structured clone cannot carry.
 */
function send(message: FromHost): void {
  if (!channel || channel.destroyed) return;
  const call = callOf(message);
  let frame = encodeFrame(message, call);
  const bytes = frame.length - FRAME_HEADER_BYTES;
  if (bytes > maxMessageBytes) frame = encodeFrame({ type: 'oversized', call, bytes }, call);
  channel.write(frame);
}

/** Runs the host: waits for `init`, loads the plugin, then serves calls. */
export function main(): void {
  const socket = new net.Socket({ fd: 3, readable: true, writable: true });
  channel = socket;
  onMessage = (message) => {
    if (message.type !== 'init') return process.exit(2);
    maxMessageBytes = message.maxMessageBytes;
    onMessage = () => {};
    void start(message);
  };
  socket.on(
    'data',
    createFrameReader(MAX_INBOUND_BYTES, {
      message: (message) => onMessage(message as ToHost),
      oversized: () => process.exit(2),
      broken: () => process.exit(2),
    }),
  );
  // The engine going away ends the host.
  socket.on('close', () => process.exit(0));
  socket.on('error', () => process.exit(0));
}

async function start(init: Extract<ToHost, { type: 'init' }>): Promise<void> {
  const egress = lockDownHost(init.egress);
  let definition: ConnectorDefinition;
  try {
    definition = await importConnector(init.entry, init.importTag);
  } catch (error) {
    const failure = error as { kind?: string; message?: string };
    send({
      type: 'load-failed',
      kind: failure.kind ?? 'load-failed',
      message: failure.message ?? String(error),
    });
    if (init.mode === 'load') channel?.end();
    return;
  }
  if (init.mode === 'load') {
    // Checked here, where the functions are: the engine sees only their places.
    const problems = validateConnector(definition);
    if (problems.length > 0) {
      send({
        type: 'load-failed',
        kind: 'invalid-definition',
        message: `The connector definition is not valid: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}.`,
      });
    } else {
      send({ type: 'loaded', descriptor: describeDefinition(definition) });
    }
    channel?.end();
    return;
  }
  serve(definition, egress);
  send({ type: 'ready' });
}

async function importConnector(entry: string, tag: string | undefined) {
  const url =
    pathToFileURL(entry).href +
    (tag ? `?plugin=${createHash('sha256').update(tag).digest('hex').slice(0, 16)}` : '');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw {
      kind: 'load-failed',
      message: `Importing the connector entry failed: ${(error as Error)?.message ?? String(error)}`,
    };
  }
  const connector = [mod.default, mod.connector].find(isConnectorDefinition);
  if (!connector) {
    throw {
      kind: 'invalid-definition',
      message: 'The connector entry exports no connector: export default defineConnector({ ... }).',
    };
  }
  return connector;
}

function serve(definition: ConnectorDefinition, egress: HostEgress): void {
  const controllers = new Map<number, AbortController>();
  const pendingState = new Map<number, { ok(v: unknown): void; fail(e: Error): void }>();
  let nextRequest = 1;

  const stateOf = (call: number): StateStore => {
    const ask = (op: 'get' | 'set' | 'delete', key: string, value?: unknown) =>
      new Promise<unknown>((ok, fail) => {
        const request = nextRequest++;
        pendingState.set(request, { ok, fail });
        send({ type: 'state', call, request, op, key, ...(op === 'set' ? { value } : {}) });
      });
    return {
      get: (key) => ask('get', key) as Promise<never>,
      set: async (key, value) => {
        await ask('set', key, value);
      },
      delete: async (key) => {
        await ask('delete', key);
      },
    };
  };

  const run = async (message: CallMessage) => {
    if (message.egress) egress.set(message.egress);
    const controller = new AbortController();
    controllers.set(message.id, controller);
    try {
      const ctx = createRunContext({
        auth: definition.auth,
        credentials: message.credentials,
        state: stateOf(message.id),
        logSink: (entry: LogEntry) => send({ type: 'log', call: message.id, entry }),
        signal: controller.signal,
        idempotencyKey: message.idempotencyKey,
        connection: message.connection,
        ...(message.settings ? { settings: message.settings } : {}),
        ...(message.resumeUrl ? { resumeUrl: message.resumeUrl } : {}),
        egress: egress.rules,
        http: { retries: 0 },
        baseUrl: (message.connection.settings?.baseUrl as string | undefined) ?? definition.baseUrl,
      });
      const output = await callOperation(definition, message.operation, ctx);
      send({ type: 'result', id: message.id, ok: true, output });
    } catch (thrown) {
      send({ type: 'result', id: message.id, ok: false, error: errorJson(thrown) });
    } finally {
      controllers.delete(message.id);
    }
  };

  onMessage = (message) => {
    switch (message.type) {
      case 'call':
        void run(message).catch((error: unknown) => {
          // An output the channel cannot carry (a function, a symbol): the call fails.
          send({ type: 'result', id: message.id, ok: false, error: errorJson(error) });
        });
        return;
      case 'abort':
        controllers
          .get(message.id)
          ?.abort(new ConnectorError(message.message, { kind: 'retryable' }));
        return;
      case 'ping':
        send({ type: 'pong', id: message.id });
        return;
      case 'state-result': {
        const pending = pendingState.get(message.request);
        pendingState.delete(message.request);
        if (message.ok) pending?.ok(message.value);
        else pending?.fail(new Error(message.message ?? 'state store failed'));
        return;
      }
      default:
        return;
    }
  };
}

function errorJson(thrown: unknown): ErrorJson {
  const error = toConnectorError(thrown);
  const extra = error as ConnectorError & { problems?: unknown; rule?: unknown };
  return {
    kind: error.kind,
    name: error.name,
    message: error.message,
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error instanceof RateLimitedError ? { retryAt: error.retryAt.toISOString() } : {}),
    ...(Array.isArray(extra.problems) ? { problems: structuredClone(extra.problems) } : {}),
    ...(typeof extra.rule === 'string' ? { rule: extra.rule } : {}),
  };
}
