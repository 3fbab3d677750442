import { readFileSync } from 'node:fs';
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
import { processAlive } from '../support/child-process.js';
import { until } from '../support/until.js';

const LIMIT = 1024 * 1024;
let root: Awaited<ReturnType<typeof createFixtureRoot>>;
let pool: HostPool;
let connector: ResolvedConnector;
const exits: { how: string; idle: boolean }[] = [];

function run(input: Record<string, unknown>): Promise<ExecuteResult> {
  return createRedactingExecutor(
    createIsolatingExecutor({ pool, memoryMb: 256, inProcess: createInProcessExecutor() }),
  ).execute({
    connector,
    operation: { kind: 'action', action: 'do', input },
    credentials: { token: 't' },
    connection: { id: 'c1', name: 'conn' },
    idempotencyKey: 'k1',
    timeoutMs: 10_000,
  });
}

const pidOf = async () => {
  const result = await run({ what: 'whoami' });
  expect(result.ok, JSON.stringify(result)).toBe(true);
  return (result as { output: { result: { pid: number } } }).output.result.pid;
};

beforeAll(async () => {
  root = await createFixtureRoot();
  const plugin = await writeHostilePlugin(root.dir);
  pool = createHostPool({
    size: 1,
    memoryMb: 256,
    graceMs: 1000,
    watchMs: 100,
    idleMs: 1500,
    maxMessageBytes: LIMIT,
    egress: () => ({}),
    onHostExit: (_label, how, idle) => exits.push({ how, idle }),
  });
  connector = await loadHostileConnector(pool, plugin);
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await root?.remove();
});

describe('plugin host limits', () => {
  it('fails an answer over the size limit as not retryable, and the host serves on', async () => {
    const pid = await pidOf();
    const huge = await run({ what: 'huge', port: 2 * LIMIT });
    expect(huge.ok).toBe(false);
    if (!huge.ok) {
      expect(huge.error.retryable).toBe(false);
      expect(huge.error.message).toMatch(
        /action "do" sent a message of \d+ bytes, over the 1048576 a plugin host may send \(JUNCTION_PLUGIN_HOST_MAX_MESSAGE_BYTES\)/,
      );
    }
    // Under the limit it answers as ever, from the same host.
    const fits = await run({ what: 'huge', port: LIMIT / 2 });
    expect(fits.ok).toBe(true);
    expect(await pidOf()).toBe(pid);
  });

  it("runs each host in a process group of its own, out of reach of a Ctrl-C to Junction's group", async () => {
    const pid = await pidOf();
    const groupOf = (of: number) =>
      Number(readFileSync(`/proc/${of}/stat`, 'utf8').split(') ')[1]?.split(' ')[2]);
    expect(groupOf(pid)).toBe(pid);
    expect(groupOf(pid)).not.toBe(groupOf(process.pid));
  });

  it('fails a call whose input is too deep to be sent to the host, as bad input; the host serves on', async () => {
    const pid = await pidOf();
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 5000; i++) {
      at.a = {};
      at = at.a as Record<string, unknown>;
    }
    const refused = await run({ what: 'whoami', path: 'x', deep });
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.kind).toBe('invalidInput');
      expect(refused.error.message).toMatch(/could not be sent to its plugin host/);
    }
    expect(await pidOf()).toBe(pid);
  });

  it('stops a host that writes an oversized frame past its own check; its call fails, the next one gets a new host', async () => {
    const pid = await pidOf();
    const raw = await run({ what: 'raw-huge' });
    expect(raw.ok).toBe(false);
    if (!raw.ok)
      expect(raw.error.message).toMatch(/sent a message of 67108864 bytes, over the limit/);
    await until(async () => !processAlive(pid));
    expect(await pidOf()).not.toBe(pid);
  });

  it('stops a host that served no call for the idle time: its process is gone, the next call starts one', async () => {
    const pid = await pidOf();
    expect(pool.stats()['hostile@1.0.0']?.hosts).toBe(1);
    await until(async () => !processAlive(pid), 20_000);
    expect(pool.stats()['hostile@1.0.0']?.hosts).toBe(0);
    expect(exits.filter((e) => e.idle).at(-1)?.how).toMatch(/served no call for 1500 ms/);
    const next = await pidOf();
    expect(next).not.toBe(pid);
    expect(processAlive(next)).toBe(true);
  });

  it('keeps a host with a call in flight, however long it takes', async () => {
    const pid = await pidOf();
    const slow = run({ what: 'aborted' });
    // Twice the idle time with a call in flight: the host is still there.
    const since = Date.now();
    await until(async () => Date.now() - since > 3000 || !processAlive(pid), 10_000);
    expect(processAlive(pid)).toBe(true);
    await pool.close();
    expect((await slow).ok).toBe(false);
  });
});
