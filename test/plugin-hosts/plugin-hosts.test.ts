import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { RateLimitedError } from '@junction/connector-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConnector } from '../../core/src/connectors/connector-source.js';
import {
  createInProcessExecutor,
  type ExecuteResult,
} from '../../core/src/executor/plugin-executor.js';
import { createRedactingExecutor } from '../../core/src/executor/redacting-executor.js';
import { createHostPool, type HostPool } from '../../core/src/plugin-hosts/host-pool.js';
import { createIsolatingExecutor } from '../../core/src/plugin-hosts/isolating-executor.js';
import { loadHostileConnector, writeHostilePlugin } from '../fixtures/hostile-plugin.js';
import { createFixtureRoot } from '../registry/plugin-fixtures.js';

const TOKEN = 'tok-4f9a1c-very-secret';
let root: Awaited<ReturnType<typeof createFixtureRoot>>;
let pool: HostPool;
let connector: ResolvedConnector;
let denied: net.Server;
let allowed: net.Server;
let udp: dgram.Socket;
const udpReceived: string[] = [];
let deniedPort = 0;
let allowedPort = 0;
const exits: string[] = [];

const executor = () =>
  createRedactingExecutor(
    createIsolatingExecutor({ pool, memoryMb: 256, inProcess: createInProcessExecutor() }),
  );

async function run(
  input: Record<string, unknown>,
  options: { timeoutMs?: number; state?: Map<string, unknown>; log?: unknown[] } = {},
): Promise<ExecuteResult> {
  const state = options.state ?? new Map();
  return executor().execute({
    connector,
    operation: { kind: 'action', action: 'do', input },
    credentials: { token: TOKEN },
    connection: { id: 'c1', name: 'conn' },
    idempotencyKey: 'k1',
    timeoutMs: options.timeoutMs ?? 10_000,
    state: {
      get: async (key) => state.get(key) as never,
      set: async (key, value) => void state.set(key, value),
      delete: async (key) => void state.delete(key),
    },
    log: (entry) => options.log?.push(entry),
  });
}

/** The value of an attempt the plugin made (`{ ok, value }` or the refusal it met). */
function outcome(result: ExecuteResult): {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
} {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  return (result as { output: { result: never } }).output.result;
}

const listen = (server: net.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)),
  );

beforeAll(async () => {
  root = await createFixtureRoot();
  await writeFile(path.join(root.dir, 'master.key'), 'the-master-key');
  const plugin = await writeHostilePlugin(root.dir);
  denied = net.createServer((s) => s.destroy());
  allowed = net.createServer((s) => s.destroy());
  deniedPort = await listen(denied);
  allowedPort = await listen(allowed);
  udp = dgram.createSocket('udp4');
  udp.on('message', (m) => udpReceived.push(m.toString()));
  await new Promise<void>((resolve) => udp.bind(deniedPort, '127.0.0.1', () => resolve()));
  pool = createHostPool({
    size: 2,
    memoryMb: 256,
    graceMs: 1000,
    watchMs: 200,
    egress: () => ({ own: [{ label: 'API', port: deniedPort }] }),
    onHostExit: (_label, how) => exits.push(how),
  });
  connector = await loadHostileConnector(pool, plugin);
}, 60_000);

afterAll(async () => {
  await pool?.close();
  denied?.close();
  allowed?.close();
  udp?.close();
  await root?.remove();
});

describe('a plugin in its host', () => {
  it('runs in another process with a scrubbed environment and only its call’s credentials', async () => {
    const who = outcome(await run({ what: 'whoami' })) as unknown as {
      pid: number;
      env: string[];
      credentials: Record<string, unknown>;
    };
    expect(who.pid).not.toBe(process.pid);
    expect(
      who.env.filter((k) => !['PATH', 'LANG', 'LC_ALL', 'TZ', 'NODE_ENV'].includes(k)),
    ).toEqual([]);
    // The output passes the redacting executor like any other.
    expect(who.credentials).toEqual({ token: '[REDACTED]' });
  });

  it('reads its state and logs through the engine; a log line and an error are redacted', async () => {
    const state = new Map<string, unknown>([['count', 41]]);
    expect(outcome(await run({ what: 'state' }, { state }))).toEqual({ before: 41, after: 42 });
    expect(state.get('count')).toBe(42);
    const log: unknown[] = [];
    await run({ what: 'log' }, { log });
    expect(JSON.stringify(log)).toContain('calling with');
    expect(JSON.stringify(log)).not.toContain(TOKEN);
    const leak = await run({ what: 'leak' });
    expect(leak.ok).toBe(false);
    if (!leak.ok) expect(leak.error.message).not.toContain(TOKEN);
  });

  it('keeps the typed error a plugin throws', async () => {
    const result = await run({ what: 'rate-limited' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(RateLimitedError);
      expect((result.error as RateLimitedError).retryAt.toISOString()).toBe(
        '2030-01-01T00:00:00.000Z',
      );
    }
  });

  it('cannot read outside its folder, write anywhere, spawn processes or start workers', async () => {
    const key = outcome(await run({ what: 'read', path: path.join(root.dir, 'master.key') }));
    expect(key).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
    const environ = outcome(await run({ what: 'read', path: `/proc/${process.pid}/environ` }));
    expect(environ).toMatchObject({ ok: false, code: 'ERR_ACCESS_DENIED' });
    const target = path.join(root.dir, 'written.txt');
    expect(outcome(await run({ what: 'write', path: target }))).toMatchObject({
      ok: false,
      code: 'ERR_ACCESS_DENIED',
    });
    expect(existsSync(target)).toBe(false);
    expect(outcome(await run({ what: 'spawn' }))).toMatchObject({
      ok: false,
      code: 'ERR_ACCESS_DENIED',
    });
    expect(outcome(await run({ what: 'worker' }))).toMatchObject({
      ok: false,
      code: 'ERR_ACCESS_DENIED',
    });
  });

  it('reaches an allowed address, and no refused one by any way out', async () => {
    const url = (port: number) => `http://127.0.0.1:${port}/`;
    expect(outcome(await run({ what: 'net', host: '127.0.0.1', port: allowedPort }))).toEqual({
      ok: true,
      value: 'connected',
    });
    const refused = { ok: false, message: expect.stringMatching(/egress rule "junction-api"/) };
    expect(outcome(await run({ what: 'net', host: '127.0.0.1', port: deniedPort }))).toMatchObject(
      refused,
    );
    expect(outcome(await run({ what: 'net', host: 'localhost', port: deniedPort }))).toMatchObject(
      refused,
    );
    expect(outcome(await run({ what: 'tls', host: '127.0.0.1', port: deniedPort }))).toMatchObject(
      refused,
    );
    expect(outcome(await run({ what: 'http', url: url(deniedPort) }))).toMatchObject(refused);
    expect(outcome(await run({ what: 'fetch', url: url(deniedPort) }))).toMatchObject({
      ok: false,
    });
    expect(
      outcome(await run({ what: 'fetch', url: 'http://169.254.169.254/latest/meta-data' })),
    ).toMatchObject({
      ok: false,
    });
    expect(outcome(await run({ what: 'udp', host: '127.0.0.1', port: deniedPort }))).toMatchObject(
      refused,
    );
    expect(outcome(await run({ what: 'dns-resolve', host: 'example.com' }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/plugin-host/),
    });
    expect(outcome(await run({ what: 'dns-servers' }))).toMatchObject({ ok: false });
    expect(
      outcome(await run({ what: 'dns-lookup', host: 'metadata.google.internal' })),
    ).toMatchObject({
      ok: false,
      message: expect.stringMatching(/cloud-metadata/),
    });
    // Nothing it did undoes the guard: the connect it replaced is frozen.
    expect(outcome(await run({ what: 'unpatch' }))).toMatchObject({ ok: false });
    expect(outcome(await run({ what: 'net', host: '127.0.0.1', port: deniedPort }))).toMatchObject(
      refused,
    );
    expect(outcome(await run({ what: 'listen' }))).toMatchObject({ ok: false });
    expect(outcome(await run({ what: 'kill-parent' }))).toMatchObject({ ok: false });
    expect(udpReceived).toEqual([]);
  });

  it('patches globals in its own host only', async () => {
    expect(outcome(await run({ what: 'patch-fetch' }))).toEqual({ ok: true, value: 'patched' });
    const response = await fetch(`http://127.0.0.1:${allowedPort}/`).catch((e: Error) => e);
    // Junction's own fetch is the real one (the server hangs up: a network error, not "captured").
    expect(response).toBeInstanceOf(Error);
  });
});

describe('containment', () => {
  it('fails a busy loop at its deadline as retryable and replaces the host that stopped answering', async () => {
    const result = await run({ what: 'busy' }, { timeoutMs: 500 });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.retryable).toBe(true);
      expect(result.error.message).toMatch(/did not finish within 500 ms/);
    }
    await expect
      .poll(() => exits.some((e) => /did not answer/.test(e)), { timeout: 20_000 })
      .toBe(true);
    expect(outcome(await run({ what: 'read', path: '/nope' }))).toMatchObject({ ok: false });
  });

  it('fails only the calls of a host that exits, crashes or rejects unhandled; the next call gets a new host', async () => {
    for (const what of ['exit', 'reject']) {
      const result = await run({ what }, { timeoutMs: 20_000 });
      expect(result.ok, what).toBe(false);
      if (!result.ok) {
        expect(result.error.retryable).toBe(true);
        expect(result.error.message).toMatch(/its plugin host (exited|was stopped)/);
      }
      expect(outcome(await run({ what: 'net', host: '127.0.0.1', port: allowedPort }))).toEqual({
        ok: true,
        value: 'connected',
      });
    }
  });

  it('stops a host over its memory ceiling', async () => {
    const result = await run({ what: 'allocate' }, { timeoutMs: 20_000 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/over its ceiling of 256 MiB/);
    expect(exits.some((e) => /over its ceiling/.test(e))).toBe(true);
  });

  it('a hung call fails at its deadline while the host keeps serving', async () => {
    const hung = run({ what: 'hang' }, { timeoutMs: 300 });
    const other = run({ what: 'state' });
    expect((await hung).ok).toBe(false);
    expect((await other).ok).toBe(true);
  });
});
